import { describe, expect, it } from 'vitest';
import { decideTerms, planRate, type TermsFacts } from '../../server/selection/rules.ts';
import { commissionAmount } from '../../server/selection/terms.ts';

const none: TermsFacts = {
  ownShop: false,
  active: true,
  creatorOfferBps: null,
  agencyOfferBps: null,
  plan: null,
  application: null,
  defaultBps: null,
};
const f = (over: Partial<TermsFacts>): TermsFacts => ({ ...none, ...over });

describe('selection rate precedence (decideTerms)', () => {
  it('a product in no plan and offered to nobody is not open', () => {
    expect(decideTerms(none)).toBeNull();
    expect(decideTerms(f({ defaultBps: 500 }))).toBeNull(); // a default alone opens nothing
  });

  it('archived products are never open, not even to their own shop, whatever offers or plans say', () => {
    expect(decideTerms(f({ active: false, ownShop: true }))).toBeNull();
    expect(decideTerms(f({ active: false, creatorOfferBps: 900, plan: { rateBps: 500, requiresApproval: false } }))).toBeNull();
  });

  it('own shop beats everything, without commission', () => {
    expect(decideTerms(f({ ownShop: true, creatorOfferBps: 900, plan: { rateBps: 500, requiresApproval: false } }))).toEqual({
      rateBps: null,
      source: 'own-shop',
    });
  });

  it('an offer to the creator beats one to their agency, which beats the plan', () => {
    const plan = { rateBps: 500, requiresApproval: false };
    expect(decideTerms(f({ creatorOfferBps: 900, agencyOfferBps: 700, plan }))).toEqual({ rateBps: 900, source: 'targeted' });
    expect(decideTerms(f({ agencyOfferBps: 700, plan }))).toEqual({ rateBps: 700, source: 'targeted' });
    expect(decideTerms(f({ plan }))).toEqual({ rateBps: 500, source: 'plan' });
    // A targeted offer does not need the plan's approval.
    expect(decideTerms(f({ creatorOfferBps: 300, plan: { rateBps: 500, requiresApproval: true } }))).toEqual({
      rateBps: 300,
      source: 'targeted',
    });
  });

  it('a plan requiring approval is open only with an approved application', () => {
    const plan = { rateBps: 500, requiresApproval: true };
    expect(decideTerms(f({ plan }))).toBeNull();
    expect(decideTerms(f({ plan, application: 'pending' }))).toBeNull();
    expect(decideTerms(f({ plan, application: 'refused' }))).toBeNull();
    expect(decideTerms(f({ plan, application: 'approved' }))).toEqual({ rateBps: 500, source: 'plan' });
  });

  it("a plan without its own rate pays the shop's default", () => {
    expect(decideTerms(f({ plan: { rateBps: null, requiresApproval: false }, defaultBps: 1200 }))).toEqual({
      rateBps: 1200,
      source: 'shop-default',
    });
    expect(decideTerms(f({ plan: { rateBps: null, requiresApproval: false } }))).toBeNull();
    expect(planRate({ rateBps: null }, 1200)).toBe(1200);
    expect(planRate({ rateBps: 300 }, 1200)).toBe(300);
    expect(planRate(null, 1200)).toBeNull();
  });

  it('commission is rounded down to the minor unit', () => {
    expect(commissionAmount(12_345, 1_000)).toBe(1_234);
    expect(commissionAmount(99, 100)).toBe(0);
    expect(commissionAmount(12_345, null)).toBe(0);
  });
});
