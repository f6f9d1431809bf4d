import { HawkerError, type Role } from '@hawker/client-sdk';
import { byId, h, icon, replace } from './dom.ts';
import { initials } from './format.ts';
import { LOCALE_NAMES, LOCALES, locale, setLocale, t, type Locale, type MessageKey } from './i18n.ts';
import './messages/common.ts';
import { hasRole, loadIdentity, signOut, type Identity } from './identity.ts';

const PAGES = [
  { href: '/', label: 'nav.home' },
  { href: '/studio', label: 'nav.studio' },
  { href: '/console', label: 'nav.console' },
  { href: '/orders', label: 'nav.orders' },
  { href: '/search', label: 'nav.search' },
  { href: '/dashboard', label: 'nav.dashboard' },
] as const;

/** A role's name in the page's language. */
export function roleName(role: Role): string {
  return t(`role.${role}` as MessageKey);
}

/** The language switcher: a select of the languages, each named in itself; choosing one reloads the page in it. */
export function languageSwitch(): HTMLSelectElement {
  const select = h(
    'select',
    { class: 'lang-switch', attrs: { 'aria-label': t('nav.language'), 'data-testid': 'language' } },
    ...LOCALES.map((l) => h('option', { text: LOCALE_NAMES[l], attrs: { value: l, selected: l === locale, lang: l } })),
  );
  select.addEventListener('change', () => setLocale(select.value as Locale));
  return select;
}

/** Fills the page's `#topbar`: brand, navigation, and who is signed in. */
export function renderTopbar(current: string, extra?: Node): void {
  const identity = loadIdentity();
  const nav = h(
    'nav',
    { attrs: { id: 'topbar-nav' } },
    ...PAGES.map((p) => h('a', { text: t(p.label), attrs: { href: p.href, 'aria-current': p.href === current ? 'page' : undefined } })),
  );
  // Below 560 px the links hide (style.css): this button shows them as a list under the bar.
  const menu = h('button', {
    class: 'btn btn-ghost btn-icon menu-toggle',
    attrs: {
      type: 'button',
      'aria-label': t('nav.menu'),
      'aria-expanded': 'false',
      'aria-controls': 'topbar-nav',
      'data-testid': 'nav-menu',
    },
  });
  menu.append(h('span', { text: '☰', attrs: { 'aria-hidden': 'true' } }));
  menu.addEventListener('click', () => {
    const open = byId('topbar').classList.toggle('menu-open');
    menu.setAttribute('aria-expanded', String(open));
  });
  const who = identity
    ? h(
        'div',
        { class: 'who', attrs: { 'data-testid': 'who' } },
        h('span', { class: 'avatar', text: initials(identity.principal.name) }),
        h('span', { class: 'name', text: `${identity.principal.name} · ${roleName(identity.principal.role)}` }),
        h('button', {
          class: 'btn btn-ghost btn-sm',
          text: t('nav.signOut'),
          on: {
            click: () => {
              signOut();
              location.href = '/';
            },
          },
        }),
      )
    : h('a', { class: 'btn btn-sm', text: t('nav.signIn'), attrs: { href: '/#sign-in' } });
  replace(
    byId('topbar'),
    menu,
    // On phones the word hides (style.css) to leave room for the menu button; the link keeps its name.
    h(
      'a',
      { class: 'brand', attrs: { href: '/', 'aria-label': 'Hawker' } },
      icon('logo', 'brand-mark'),
      h('span', { class: 'brand-name', text: 'Hawker' }),
    ),
    nav,
    h('div', { class: 'spacer' }),
    extra ?? null,
    languageSwitch(),
    who,
  );
}

/** A short message at the bottom of the screen. */
export function toast(message: string, kind: 'info' | 'ok' | 'error' = 'info', ms = 4000): void {
  let box = document.querySelector<HTMLElement>('.toasts');
  if (!box) {
    box = h('div', { class: 'toasts', attrs: { role: 'status', 'aria-live': 'polite' } });
    document.body.appendChild(box);
  }
  const el = h('div', { class: `toast toast-${kind}`, text: message, attrs: { 'data-testid': 'toast' } });
  box.appendChild(el);
  setTimeout(() => el.remove(), ms);
}

/**
 * What went wrong, in words for the person in front of the page, and what to do next. Every error a page shows goes
 * through here, so the same failure reads the same everywhere.
 */
export function describeError(err: unknown): string {
  // The server's own messages (not found, forbidden, bad request) stay in English: they name the resource or field.
  if (!(err instanceof HawkerError)) return t('err.generic', { message: (err as Error)?.message ?? String(err) });
  switch (err.code) {
    case 'UNAUTHENTICATED':
      return t('err.unauthenticated');
    case 'FORBIDDEN':
      return `${err.message}.`.replace(/\.\.$/, '.');
    case 'NOT_FOUND':
      return t('err.notFound', { message: err.message });
    case 'RATE_LIMITED':
      return t('err.rateLimited', { s: Math.ceil((err.retryAfterMs ?? 1000) / 1000) });
    case 'NOT_CONNECTED':
      return t('err.notConnected');
    case 'TIMEOUT':
      return t('err.timeout');
    case 'CLOSED':
      return t('err.closed');
    case 'MEDIA_UNSUPPORTED':
      return `${err.message}`;
    case 'UNAVAILABLE':
      return t('err.unavailable');
    case 'BAD_REQUEST':
      return t('err.badRequest', { message: err.message });
    default:
      return err.message;
  }
}

/** Replaces the page's main content with a centred notice (sign-in needed, room ended...) and a way forward. */
export function showNotice(opts: { title: string; message: string; action?: { label: string; href: string }; testId?: string }): void {
  const main = byId('main');
  main.className = 'page';
  replace(
    main,
    h(
      'div',
      { class: 'notice', attrs: { 'data-testid': opts.testId ?? 'notice' } },
      h(
        'div',
        { class: 'card' },
        icon('logo', 'icon'),
        h('h1', { text: opts.title }),
        h('p', { class: 'muted', text: opts.message }),
        opts.action ? h('a', { class: 'btn btn-primary', text: opts.action.label, attrs: { href: opts.action.href } }) : null,
      ),
    ),
  );
}

/** How a page says it could not open what it is about: the notice's title, its way out, its test id. */
export interface OpenFailure {
  title: string;
  action: { label: string; href: string };
  testId: string;
}

/**
 * Opens what a page is about (joins its room, connects its console, reads its agency). If that fails the page has
 * nothing to show, so the failure becomes the page's notice (`failed`, with `describeError`'s words for why) and this
 * answers undefined: the caller stops there.
 */
export async function openOrNotice<T>(open: () => Promise<T>, failed: OpenFailure): Promise<T | undefined> {
  try {
    return await open();
  } catch (err) {
    showNotice({ title: failed.title, message: describeError(err), action: failed.action, testId: failed.testId });
    return undefined;
  }
}

/**
 * A page's head row: its title (the page's h1) with a muted line under it, and the page's own links or buttons beside
 * them. The test ids are for the pages whose tests read the title or the line.
 */
export function pageHead(
  head: { title: string; sub: string; titleTestId?: string; subTestId?: string },
  ...actions: Node[]
): HTMLDivElement {
  return h(
    'div',
    { class: 'row' },
    h(
      'div',
      { class: 'grow' },
      h('h1', { text: head.title, attrs: { 'data-testid': head.titleTestId } }),
      h('div', { class: 'muted small', text: head.sub, attrs: { 'data-testid': head.subTestId } }),
    ),
    ...actions,
  );
}

/** One figure of a `.counters` row: `value` (the element the page keeps up to date) over its `label`. */
export function counter(value: HTMLElement, label: string): HTMLDivElement {
  return h('div', { class: 'counter' }, value, h('span', { text: label }));
}

/**
 * The signed-in identity if it may use this page; otherwise shows why not and how to fix it, and returns null.
 * `roles` lists who the page is for; `what` names the page in the message.
 */
export function requireIdentity(roles: readonly Role[], what: string): Identity | null {
  const identity = loadIdentity();
  const next = encodeURIComponent(location.pathname + location.search);
  const names = roles.map(roleName).join(t('auth.or'));
  if (!identity) {
    showNotice({
      title: t('auth.signInFirst'),
      message: t('auth.needRole', { what, roles: names }),
      action: { label: t('nav.signIn'), href: `/?next=${next}#sign-in` },
      testId: 'need-sign-in',
    });
    return null;
  }
  if (!hasRole(identity.principal, roles)) {
    showNotice({
      title: t('auth.wrongRoleTitle', { roles: names }),
      message: t('auth.wrongRole', { name: identity.principal.name, role: roleName(identity.principal.role), what, roles: names }),
      action: { label: t('auth.switch'), href: `/?next=${next}#sign-in` },
      testId: 'wrong-role',
    });
    return null;
  }
  return identity;
}

/** A banner pinned under the top bar while the connection is down; hidden again when it is back. */
export class ConnectionBanner {
  private readonly el = h('div', {
    class: 'banner banner-warn conn-banner',
    attrs: { role: 'alert', 'data-testid': 'connection-banner', hidden: true },
  });

  constructor() {
    document.body.appendChild(this.el);
  }

  show(message: string, kind: 'warn' | 'error' = 'warn'): void {
    this.el.className = `banner banner-${kind} conn-banner`;
    replace(this.el, icon('plug'), h('span', { text: message }));
    this.el.hidden = false;
  }

  hide(): void {
    this.el.hidden = true;
  }
}

/** Runs an async UI action with its button disabled meanwhile, turning failures into a toast. */
export async function withButton<T>(button: HTMLButtonElement, action: () => Promise<T>): Promise<T | undefined> {
  button.disabled = true;
  try {
    return await action();
  } catch (err) {
    toast(describeError(err), 'error', 6000);
    return undefined;
  } finally {
    button.disabled = false;
  }
}

/**
 * A destructive button that needs a second tap within a few seconds (no blocking `confirm()` dialog, which phones
 * render badly): the first tap relabels it with `confirmLabel`, the second runs `action`.
 */
export function armedButton(button: HTMLButtonElement, confirmLabel: string, action: () => unknown): void {
  const label = button.textContent ?? '';
  let timer: ReturnType<typeof setTimeout> | undefined;
  button.addEventListener('click', () => {
    if (timer === undefined) {
      button.textContent = confirmLabel;
      button.classList.add('armed');
      timer = setTimeout(() => {
        timer = undefined;
        button.textContent = label;
        button.classList.remove('armed');
      }, 4000);
      return;
    }
    clearTimeout(timer);
    timer = undefined;
    button.textContent = label;
    button.classList.remove('armed');
    void action();
  });
}
