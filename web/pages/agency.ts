/**
 * Agency admin (/agency): the agency's roster (invite creators and moderators by account, remove them), its rooms
 * (live, scheduled, ended) and its keyword list. Everyone the REST API lets read the roster (the agency's owner, its
 * moderators, admins) sees the page; only those it lets change the roster (the owner, admins) get the roster's forms,
 * and the server refuses anyone else anyway. Keywords are edited by owners and moderators alike, as in the console.
 */
import { AgencyConsole, HawkerApi, type AgencyRoster, type Room, type RosterList } from '@hawker/client-sdk';
import { byId, h, replace } from './lib/dom.ts';
import { dateTime } from './lib/format.ts';
import { t } from './lib/i18n.ts';
import './lib/messages/agency.ts';
import './lib/messages/staff.ts';
import { AgencyKeywordEditor } from './lib/keywords.ts';
import type { Identity } from './lib/identity.ts';
import { startStaffPage } from './lib/staff.ts';
import { armedButton, describeError, openOrNotice, pageHead, roleName, toast, withButton } from './lib/ui.ts';

/** Rooms listed per tab (the REST list's own bound). */
const ROOMS_SHOWN = 50;

startStaffPage(
  { path: '/agency', title: t('agency.title'), what: t('agency.page') },
  (identity, agencyId) => void start(identity, agencyId),
);

async function start(identity: Identity, agencyId: string): Promise<void> {
  const api = new HawkerApi(location.origin, identity.token);
  const roster = await openOrNotice(() => api.agencyRoster(agencyId), {
    title: t('agency.title'),
    action: { label: t('staff.backHome'), href: '/' },
    testId: 'agency-error',
  });
  if (!roster) return;
  new AgencyPage(api, identity, agencyId, roster);
}

class AgencyPage {
  // The owner and admins change the roster (REST: canManageAgency); moderators read it.
  private readonly canEdit: boolean;
  private readonly creators = h('ul', { class: 'list', attrs: { 'data-testid': 'creators' } });
  private readonly moderators = h('ul', { class: 'list', attrs: { 'data-testid': 'moderators' } });
  private readonly rooms = h('ul', { class: 'list', attrs: { 'data-testid': 'rooms' } });
  private readonly keywords = new AgencyKeywordEditor(async (change) => (await this.console()).agencyKeywords(change));
  private agency: AgencyConsole | null = null;

  constructor(
    private readonly api: HawkerApi,
    private readonly identity: Identity,
    private readonly agencyId: string,
    roster: AgencyRoster,
  ) {
    this.canEdit = identity.principal.role === 'agency' || identity.principal.role === 'admin';
    this.render(roster);
    this.showRoster(roster);
    void this.showRooms('live');
    void this.loadKeywords();
    window.addEventListener('pagehide', () => this.agency?.close());
  }

  private render(roster: AgencyRoster): void {
    const main = byId('main');
    main.className = 'page agency-page';
    const tabs = h('div', { class: 'agency-tabs', attrs: { role: 'group', 'aria-label': t('agency.rooms') } });
    const tab = (status: Room['status'], label: string) => {
      const b = h('button', {
        class: 'btn btn-ghost',
        text: label,
        attrs: { type: 'button', 'aria-pressed': status === 'live' ? 'true' : 'false', 'data-testid': `rooms-${status}` },
      });
      b.addEventListener('click', () => {
        for (const other of Array.from(tabs.children)) other.setAttribute('aria-pressed', String(other === b));
        void this.showRooms(status);
      });
      return b;
    };
    tabs.append(tab('live', t('agency.tabLive')), tab('scheduled', t('agency.tabScheduled')), tab('ended', t('agency.tabEnded')));
    replace(
      main,
      h(
        'div',
        { class: 'stack' },
        pageHead(
          {
            title: t('agency.title'),
            sub: t('agency.who', { name: roster.agency.name, role: roleName(this.identity.principal.role) }),
            subTestId: 'agency-name',
          },
          h('a', {
            class: 'btn btn-primary',
            text: t('agency.console'),
            attrs: { href: `/console?agency=${encodeURIComponent(this.agencyId)}` },
          }),
          h('a', {
            class: 'btn btn-ghost',
            text: t('agency.dashboard'),
            attrs: { href: `/dashboard?agency=${encodeURIComponent(this.agencyId)}` },
          }),
        ),
        h(
          'section',
          { class: 'card stack', attrs: { 'aria-labelledby': 'roster-h' } },
          h('h2', { text: t('agency.roster'), attrs: { id: 'roster-h' } }),
          h('p', { class: 'muted small', text: this.canEdit ? t('agency.rosterHint') : t('agency.ownerOnly') }),
          h('div', { class: 'muted small', text: `${t('agency.owner')}: ${roster.agency.ownerId}`, attrs: { 'data-testid': 'owner' } }),
          h('h3', { text: t('agency.creators') }),
          this.creators,
          h('h3', { text: t('agency.moderators') }),
          this.moderators,
          this.canEdit ? this.inviteForm() : null,
        ),
        h(
          'section',
          { class: 'card stack', attrs: { 'aria-labelledby': 'rooms-h' } },
          h('h2', { text: t('agency.rooms'), attrs: { id: 'rooms-h' } }),
          tabs,
          this.rooms,
        ),
        h(
          'section',
          { class: 'card stack', attrs: { 'aria-labelledby': 'keywords-h' } },
          h('h2', { text: t('agency.keywords'), attrs: { id: 'keywords-h' } }),
          h('p', { class: 'muted small', text: t('agency.keywordsHint') }),
          this.keywords.list,
          this.keywords.form,
        ),
      ),
    );
  }

  private inviteForm(): HTMLFormElement {
    const account = h('input', {
      attrs: {
        maxlength: 64,
        autocomplete: 'off',
        placeholder: t('agency.accountPlaceholder'),
        'aria-label': t('agency.account'),
        'data-testid': 'invite-account',
      },
    });
    const list = h(
      'select',
      { attrs: { 'aria-label': t('agency.as'), 'data-testid': 'invite-role' } },
      h('option', { text: t('agency.asCreator'), attrs: { value: 'creators' } }),
      h('option', { text: t('agency.asModerator'), attrs: { value: 'moderators' } }),
    );
    const invite = h('button', { class: 'btn btn-primary', text: t('agency.invite'), attrs: { type: 'submit', 'data-testid': 'invite' } });
    return h(
      'form',
      {
        class: 'row',
        on: {
          submit: (e) => {
            e.preventDefault();
            const userId = account.value.trim();
            if (!userId) return;
            const which = list.value as RosterList;
            void withButton(invite, async () => {
              const res = await this.api.addToRoster(this.agencyId, which, userId);
              this.showRoster(res.roster);
              const name = which === 'creators' ? t('agency.creators') : t('agency.moderators');
              toast(t(res.changed ? 'agency.invited' : 'agency.already', { user: userId, list: name }), 'ok');
              account.value = '';
            });
          },
        },
      },
      h('div', { class: 'grow' }, account),
      list,
      invite,
    );
  }

  private showRoster(roster: AgencyRoster): void {
    const rows = (ids: string[], which: RosterList, empty: string) =>
      ids.length
        ? ids.map((userId) => {
            const remove = this.canEdit
              ? h('button', {
                  class: 'btn btn-ghost btn-danger',
                  text: t('agency.remove'),
                  attrs: { type: 'button', 'aria-label': t('agency.removeOf', { user: userId }), 'data-testid': 'remove' },
                })
              : null;
            if (remove)
              armedButton(remove, t('agency.removeConfirm'), () =>
                withButton(remove, async () => {
                  const res = await this.api.removeFromRoster(this.agencyId, which, userId);
                  this.showRoster(res.roster);
                  toast(t('agency.removed', { user: userId }), 'ok');
                }),
              );
            return h(
              'li',
              { class: 'list-item', attrs: { 'data-testid': 'member', 'data-user-id': userId } },
              h('span', { class: 'grow', text: userId }),
              remove,
            );
          })
        : [h('li', { class: 'muted small', text: empty })];
    replace(this.creators, ...rows(roster.creators, 'creators', t('agency.noCreators')));
    replace(this.moderators, ...rows(roster.moderators, 'moderators', t('agency.noModerators')));
  }

  private async showRooms(status: Room['status']): Promise<void> {
    let rooms: Room[];
    try {
      rooms = await this.api.listRooms({ agencyId: this.agencyId, status, limit: ROOMS_SHOWN });
    } catch (err) {
      replace(this.rooms, h('li', { class: 'muted small', text: describeError(err) }));
      return;
    }
    const empty = { live: t('agency.noLive'), scheduled: t('agency.noScheduled'), ended: t('agency.noEnded') }[status];
    replace(
      this.rooms,
      ...(rooms.length
        ? rooms.map((r) => {
            const when =
              status === 'ended' && r.endedAt
                ? t('agency.endedAt', { time: dateTime(r.endedAt) })
                : status === 'live' && r.startedAt
                  ? t('agency.startedAt', { time: dateTime(r.startedAt) })
                  : r.scheduledAt
                    ? t('agency.startsAt', { time: dateTime(r.scheduledAt) })
                    : '';
            return h(
              'li',
              { class: 'list-item', attrs: { 'data-testid': 'room', 'data-room-id': r.id } },
              h(
                'div',
                { class: 'grow' },
                h('div', { class: 'title', text: r.title }),
                h('div', { class: 'muted small', text: [t('agency.roomBy', { name: r.creatorName }), when].filter(Boolean).join(' · ') }),
              ),
              status === 'ended'
                ? null
                : h('a', { class: 'btn btn-ghost', text: t('agency.watch'), attrs: { href: `/room?id=${encodeURIComponent(r.id)}` } }),
            );
          })
        : [h('li', { class: 'muted small', text: empty })]),
    );
  }

  /** Keyword edits are socket events (mod:agencyKeywords): the console's connection, opened on the first edit. */
  private async console(): Promise<AgencyConsole> {
    this.agency ??= await AgencyConsole.connect(location.origin, this.identity.token, this.agencyId);
    return this.agency;
  }

  private async loadKeywords(): Promise<void> {
    try {
      this.keywords.show(await this.api.agencyModeration(this.agencyId));
    } catch (err) {
      this.keywords.showError(describeError(err));
    }
  }
}
