import type {
  CrowdErasureResult,
  CrowdOverview,
  CrowdPeopleQuery,
  CrowdQuery,
  CrowdScopeKind,
  CrowdStage,
  Principal,
  RoomReport,
} from '@hawker/protocol';
import { CROWD_RANGE_MAX_DAYS, CROWD_SOURCES } from '@hawker/protocol';
import { policy } from '../edge/policy.ts';
import { AppError } from '../kernel/errors.ts';
import type { MerchantScopes } from '../exports/index.ts';
import type { RoomService } from '../rooms/service.ts';
import { csvLine, csvText } from '../exports/csv.ts';
import type { CrowdPipeline } from './pipeline.ts';
import { crowdSeries, dayIndexOf, dayOfIndex, stageOn, type PersonFacts } from './stages.ts';
import type { CrowdStore } from './store.ts';

export interface CrowdSettings {
  CROWD_MIN_WATCH_SECONDS: number;
  CROWD_LAPSED_DAYS: number;
  CROWD_PEOPLE_MAX: number;
}

const today = () => Math.floor(Date.now() / 86_400_000);

/**
 * Crowd assets and post-live reports (docs/centre-field.md): reads the crowd tables the pipeline fills and the ledger's
 * orders. Access through the policy: a creator's crowd (canSeeCreatorCrowd), an agency's and a shop's as their exports
 * (MerchantScopes), a room's report as its analytics (canSeeRoomAnalytics).
 */
export class CrowdService {
  constructor(
    readonly store: CrowdStore,
    private readonly pipeline: CrowdPipeline,
    private readonly scopes: MerchantScopes,
    private readonly rooms: RoomService,
    private readonly settings: CrowdSettings,
  ) {}

  /** Throws FORBIDDEN (NOT_FOUND for an unknown shop) unless `p` may read the scope's crowd. */
  async requireScope(p: Principal, kind: CrowdScopeKind, id: string): Promise<void> {
    if (kind === 'creator') policy.require(policy.canSeeCreatorCrowd(p, id), 'Only the creator themself and admins see their crowd');
    else await this.scopes.require(p, { kind, id });
  }

  async overview(p: Principal, kind: CrowdScopeKind, id: string, q: CrowdQuery): Promise<CrowdOverview> {
    const to = q.to ? dayIndexOf(q.to) : today();
    const from = q.from ? dayIndexOf(q.from) : to - 29;
    if (from > to) throw AppError.badRequest('from must not be after to');
    if (to - from + 1 > CROWD_RANGE_MAX_DAYS) {
      throw AppError.badRequest(`At most ${CROWD_RANGE_MAX_DAYS} days at a time (CROWD_RANGE_MAX_DAYS)`, { name: 'CROWD_RANGE_MAX_DAYS' });
    }
    await this.requireScope(p, kind, id);
    await this.pipeline.flush();
    const people = await this.people(kind, id, to);
    const { stages, flows } = crowdSeries(people, from, to, q.period, this.settings.CROWD_LAPSED_DAYS);
    const { bySource, byChannel } = await this.store.sources(kind, id, from, to);
    return {
      kind,
      id,
      from: dayOfIndex(from),
      to: dayOfIndex(to),
      period: q.period,
      minWatchSeconds: this.settings.CROWD_MIN_WATCH_SECONDS,
      lapsedDays: this.settings.CROWD_LAPSED_DAYS,
      stages,
      flows,
      sources: CROWD_SOURCES.map((source) => ({
        source,
        people: bySource.get(source)?.people ?? 0,
        buyers: bySource.get(source)?.buyers ?? 0,
        paidOrders: byChannel.get(source) ?? 0,
      })),
    };
  }

  /** The people in one stage at the end of a day, as CSV lines (header first), for the merchant's own CRM. */
  async peopleCsv(p: Principal, kind: CrowdScopeKind, id: string, q: CrowdPeopleQuery): Promise<string[]> {
    await this.requireScope(p, kind, id);
    await this.pipeline.flush();
    const at = q.at ? dayIndexOf(q.at) : today();
    const people = await this.people(kind, id, at);
    const lines = [csvLine(['user_id', 'stage', 'paid_orders', 'first_seen', 'last_active'].map(csvText))];
    for (const person of people) {
      if (stageOn(person, at, this.settings.CROWD_LAPSED_DAYS) !== q.stage) continue;
      const days = [...person.active, ...person.paid].filter((d) => d <= at);
      const paid = person.paid.filter((d) => d <= at).length;
      lines.push(
        csvLine([
          csvText(person.userId),
          csvText(q.stage satisfies CrowdStage),
          paid,
          dayOfIndex(Math.min(...days)),
          dayOfIndex(Math.max(...days)),
        ]),
      );
    }
    return lines;
  }

  /** Erases a person (themself, or an admin on their request); see CrowdStore.erase. */
  async erase(p: Principal, userId: string): Promise<CrowdErasureResult> {
    const self = userId === p.userId;
    if (!self)
      policy.require(policy.canEraseCrowdPerson(p), 'Only admins erase another person (anyone may erase themself: DELETE /api/crowd/me)');
    await this.pipeline.flush();
    const r = await this.store.erase(userId, self ? 'self' : 'admin');
    return { erased: true, ...r };
  }

  /** The post-live report of a room. */
  async report(p: Principal, roomId: string): Promise<RoomReport> {
    const room = await this.rooms.store.mustGet(roomId);
    policy.require(policy.canSeeRoomAnalytics(p, room), "Only the room's creator, its agency or an admin can see its report");
    await this.pipeline.flush();
    const [aud, money, buyers, followers] = await Promise.all([
      this.store.roomAudience(roomId),
      this.store.roomMoney(roomId),
      this.store.roomBuyers(roomId, room.creatorId),
      room.startedAt === null ? 0 : this.store.newFollowers(room.creatorId, room.startedAt, room.endedAt ?? Date.now()),
    ]);
    const currency = Object.entries(money.gmv).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? null;
    const moneyMinutes = currency ? await this.store.roomMoneyMinutes(roomId, currency) : [];
    const byMinute = new Map<number, { at: number; viewers: number; paidOrders: number; gmv: number }>();
    for (const m of aud.minutes) byMinute.set(m.at, { at: m.at, viewers: m.viewers, paidOrders: 0, gmv: 0 });
    for (const m of moneyMinutes) {
      const row = byMinute.get(m.at) ?? { at: m.at, viewers: 0, paidOrders: 0, gmv: 0 };
      row.paidOrders = m.paidOrders;
      row.gmv = m.gmv;
      byMinute.set(m.at, row);
    }
    const minutes = [...byMinute.values()].sort((a, b) => a.at - b.at);
    const viewerMinutes = aud.minutes.filter((m) => m.viewers > 0);
    return {
      roomId,
      title: room.title,
      creatorId: room.creatorId,
      status: room.status,
      startedAt: room.startedAt,
      endedAt: room.endedAt,
      viewers: {
        peak: Math.max(0, ...aud.minutes.map((m) => m.viewers)),
        average: viewerMinutes.length ? Math.round((viewerMinutes.reduce((s, m) => s + m.viewers, 0) / viewerMinutes.length) * 10) / 10 : 0,
        total: aud.total,
      },
      watchSeconds: aud.watchSeconds,
      likes: aud.likes,
      newFollowers: followers,
      productClicks: aud.clicks,
      orders: money.orders,
      paidOrders: money.paidOrders,
      gmv: money.gmv,
      refunds: money.refunds,
      funnel: { viewers: aud.total, clickers: aud.clickers, buyers: money.buyers, payers: money.payers },
      buyers,
      sources: aud.sources,
      currency,
      minutes,
      markers: aud.markers,
    };
  }

  /** The report as CSV lines: one `metric,value` line per figure, then the per-minute series and the markers. */
  async reportCsv(p: Principal, roomId: string): Promise<string[]> {
    const r = await this.report(p, roomId);
    const lines = [csvLine(['metric', 'key', 'value'].map(csvText))];
    const put = (metric: string, key: string, value: number | string | null) =>
      lines.push(csvLine([csvText(metric), csvText(key), typeof value === 'number' ? value : csvText(value)]));
    put('title', '', r.title);
    put('started_at', '', r.startedAt === null ? null : new Date(r.startedAt).toISOString());
    put('ended_at', '', r.endedAt === null ? null : new Date(r.endedAt).toISOString());
    put('viewers_peak', '', r.viewers.peak);
    put('viewers_average', '', r.viewers.average);
    put('viewers_total', '', r.viewers.total);
    put('watch_seconds', '', r.watchSeconds);
    put('likes', '', r.likes);
    put('new_followers', '', r.newFollowers);
    put('product_clicks', '', r.productClicks);
    put('orders', '', r.orders);
    put('paid_orders', '', r.paidOrders);
    for (const [c, v] of Object.entries(r.gmv)) put('gmv', c, v);
    for (const [c, v] of Object.entries(r.refunds)) put('refunds', c, v);
    for (const [k, v] of Object.entries(r.funnel)) put('funnel', k, v);
    put('buyers', 'new', r.buyers.new);
    put('buyers', 'repeat', r.buyers.repeat);
    for (const s of r.sources) put('source', s.source, s.viewers);
    for (const m of r.minutes) {
      const at = new Date(m.at).toISOString();
      put('minute_viewers', at, m.viewers);
      put('minute_paid_orders', at, m.paidOrders);
      put(`minute_gmv_${r.currency ?? ''}`, at, m.gmv);
    }
    for (const m of r.markers) put(`marker_${m.kind}`, new Date(m.at).toISOString(), m.productId);
    return lines;
  }

  private async people(kind: CrowdScopeKind, id: string, to: number): Promise<PersonFacts[]> {
    const max = this.settings.CROWD_PEOPLE_MAX;
    const people = await this.store.people(kind, id, to, this.settings.CROWD_MIN_WATCH_SECONDS, max);
    if (people.length > max) {
      throw AppError.quotaExceeded(
        'CROWD_PEOPLE_MAX',
        max,
        `This crowd has more than ${max} people (CROWD_PEOPLE_MAX); ask the operator to raise it`,
      );
    }
    return people;
  }
}
