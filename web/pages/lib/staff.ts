/**
 * What the agency's staff pages (the console and the agency admin) share beyond the keyword editor (lib/keywords.ts):
 * which agency the page is about.
 */
import { t } from './i18n.ts';
import './messages/common.ts';
import './messages/staff.ts';
import type { Identity } from './identity.ts';
import { showNotice } from './ui.ts';

/**
 * The agency a staff page is about: an owner's or moderator's own, or for an admin the one the address names
 * (`?agency=`). Without one the page says how to get one (an admin: open `page` with the agency's id; anyone else:
 * sign in with an agency) and this answers null.
 */
export function staffAgency(identity: Identity, page: '/console' | '/agency'): string | null {
  const admin = identity.principal.role === 'admin';
  const agencyId = admin ? new URLSearchParams(location.search).get('agency') : identity.principal.agencyId;
  if (agencyId) return agencyId;
  showNotice({
    title: t('staff.whichAgency'),
    message: admin ? t('staff.adminPick', { page }) : t('staff.noAgency'),
    action: { label: t('auth.switch'), href: `/?next=${encodeURIComponent(page)}#sign-in` },
    testId: 'no-agency',
  });
  return null;
}
