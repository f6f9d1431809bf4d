import { HawkerApi, type DevTokenRequest, type Principal, type Role } from '@hawker/client-sdk';

/** Who the pages act as: a dev token and the identity it carries, kept in localStorage across pages. */
export interface Identity {
  token: string;
  principal: Principal;
  /** ms epoch */
  expiresAt: number;
}

const KEY = 'hawker.identity';
/** Tokens this close to expiry count as expired, so a page never starts with a token about to die. */
const MARGIN_MS = 60_000;

/** The stored identity, or null when there is none or it expired. */
export function loadIdentity(): Identity | null {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return null;
    const id = JSON.parse(raw) as Identity;
    if (typeof id.token !== 'string' || !id.principal || !(id.expiresAt > Date.now() + MARGIN_MS)) return null;
    return id;
  } catch {
    return null;
  }
}

/** Mints a dev token (POST /api/dev/tokens) for `request` and stores it. */
export async function signIn(request: DevTokenRequest): Promise<Identity> {
  const res = await HawkerApi.devToken(location.origin, request);
  const identity: Identity = { token: res.token, principal: res.principal, expiresAt: res.expiresAt };
  localStorage.setItem(KEY, JSON.stringify(identity));
  return identity;
}

export function signOut(): void {
  localStorage.removeItem(KEY);
}

/** Whether `principal` may use a page meant for `roles`. */
export function hasRole(principal: Principal, roles: readonly Role[]): boolean {
  return roles.includes(principal.role);
}
