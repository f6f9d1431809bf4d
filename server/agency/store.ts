import type { Redis } from 'ioredis';
import { AppError } from '../kernel/errors.ts';
import { LuaScripts } from '../kernel/lua.ts';
import type { Agency, AgencyRoster, CreateAgencyBody } from '@hawker/protocol';
import type { Principal } from '@hawker/protocol';
import type { AuditLog } from './audit.ts';

/** Redis keys owned by the agency domain. */
export const agencyKeys = (p: string) => ({
  agency: (id: string) => `${p}agency:${id}`,
  creators: (id: string) => `${p}agency:${id}:creators`,
  moderators: (id: string) => `${p}agency:${id}:moderators`,
  /** The agency whose roster lists this creator (a creator is on at most one). */
  creatorOf: (userId: string) => `${p}agency:creatorOf:${userId}`,
  all: `${p}agencies`,
});

export type RosterOp = 'addCreator' | 'removeCreator' | 'addModerator' | 'removeModerator';

/**
 * Agencies and their rosters. The roster is the authority for agencies registered here: `effective()` turns a token's
 * claims into the principal access checks see, so a moderator removed from the roster loses access at once even while
 * their token is still valid, and a creator's rooms belong to the agency whose roster lists them.
 */
export class AgencyStore {
  readonly keys: ReturnType<typeof agencyKeys>;
  private readonly lua: LuaScripts<'create' | 'roster'>;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly audit: AuditLog,
    /** Roster caps (AGENCY_MAX_CREATORS, AGENCY_MAX_MODERATORS). */
    private readonly caps: { creators: number; moderators: number },
  ) {
    this.keys = agencyKeys(prefix);
    this.lua = new LuaScripts(redis, 'agency', new URL('./lua/', import.meta.url), ['create', 'roster']);
  }

  async create(actor: Principal, body: CreateAgencyBody, now = Date.now()): Promise<Agency> {
    const agency: Agency = { id: body.id, name: body.name, ownerId: body.ownerId, createdAt: now };
    const k = this.keys;
    await this.audit.admit(actor, agency.id); // admins: their own audited-action bucket
    const record = {
      actor,
      action: 'agency.create' as const,
      agencyId: agency.id,
      details: { name: agency.name, ownerId: agency.ownerId },
    };
    const res = await this.lua.run(
      'create',
      [k.agency(agency.id), k.all, ...this.audit.luaKeys(record)],
      [agency.id, agency.name, agency.ownerId, now, ...this.audit.luaArgs(record)],
    );
    if (res === -1) throw AppError.conflict(`Agency ${agency.id} already exists`);
    return agency;
  }

  async get(id: string): Promise<Agency | null> {
    const h = await this.redis.hgetall(this.keys.agency(id));
    if (!h.id || !h.ownerId) return null;
    return { id: h.id, name: h.name ?? '', ownerId: h.ownerId, createdAt: Number(h.createdAt) };
  }

  async mustGet(id: string): Promise<Agency> {
    const agency = await this.get(id);
    if (!agency) throw AppError.notFound(`Agency ${id}`);
    return agency;
  }

  async list(limit: number): Promise<Agency[]> {
    const ids = await this.redis.zrevrange(this.keys.all, 0, limit - 1);
    return (await Promise.all(ids.map((id) => this.get(id)))).filter((a): a is Agency => a !== null);
  }

  async roster(id: string): Promise<AgencyRoster> {
    const [agency, creators, moderators] = await Promise.all([
      this.mustGet(id),
      this.redis.smembers(this.keys.creators(id)),
      this.redis.smembers(this.keys.moderators(id)),
    ]);
    return { agency, creators: creators.sort(), moderators: moderators.sort() };
  }

  /** Adds or removes a roster member (atomic with its audit entry; see lua/roster.lua). Returns whether anything changed. */
  async changeRoster(actor: Principal, agencyId: string, op: RosterOp, userId: string): Promise<boolean> {
    const k = this.keys;
    const record = { actor, action: `roster.${op}` as const, agencyId, targetUserId: userId };
    await this.audit.admit(actor, agencyId); // the agency's audited-action rate; refused before anything changes
    const res = (await this.lua.run(
      'roster',
      [k.agency(agencyId), k.creators(agencyId), k.moderators(agencyId), k.creatorOf(userId), ...this.audit.luaKeys(record)],
      [op, userId, agencyId, ...this.audit.luaArgs(record), this.caps.creators, this.caps.moderators],
    )) as [number, string?];
    if (res[0] === -1) throw AppError.notFound(`Agency ${agencyId}`);
    if (res[0] === -2) throw AppError.conflict(`Creator ${userId} is on agency ${res[1]}'s roster; remove them there first`);
    if (res[0] === -3) {
      const [limit, max, who] =
        op === 'addCreator'
          ? (['AGENCY_MAX_CREATORS', this.caps.creators, 'creators'] as const)
          : (['AGENCY_MAX_MODERATORS', this.caps.moderators, 'moderators'] as const);
      throw AppError.quotaExceeded(
        limit,
        max,
        `Agency ${agencyId} already has ${max} ${who} on its roster (${limit}); nothing was changed: remove someone first`,
      );
    }
    return res[0] === 1;
  }

  /**
   * What the roster says of `userId` in agency `agencyId` (one round trip): its owner, on its creators, on its
   * moderators. All false for an agency not registered here.
   */
  async memberships(agencyId: string, userId: string): Promise<{ owner: boolean; creator: boolean; moderator: boolean }> {
    const k = this.keys;
    const res = await this.redis
      .pipeline()
      .hget(k.agency(agencyId), 'ownerId')
      .sismember(k.creators(agencyId), userId)
      .sismember(k.moderators(agencyId), userId)
      .exec();
    for (const [err] of res ?? []) if (err) throw AppError.unavailable('Could not read the agency roster; retry', err);
    return { owner: res?.[0]?.[1] === userId, creator: res?.[1]?.[1] === 1, moderator: res?.[2]?.[1] === 1 };
  }

  /**
   * The principal access checks should see, from a verified token's claims and the roster (one round trip):
   * - creator: the agency whose roster lists them, whatever the token says; a claim naming a registered agency that
   *   does not list them is dropped;
   * - moderator / agency owner: the claimed agency is kept only if that agency is not registered here (an identity
   *   provider managing agencies itself) or its roster lists them as moderator / owner;
   * - viewer, admin: unchanged.
   */
  async effective(p: Principal): Promise<Principal> {
    if (p.role === 'viewer' || p.role === 'admin') return p;
    if (p.role !== 'creator' && !p.agencyId) return p;
    const k = this.keys;
    const claim = p.agencyId;
    const pipe = this.redis.pipeline().get(k.creatorOf(p.userId));
    if (claim) pipe.hget(k.agency(claim), 'ownerId').sismember(k.moderators(claim), p.userId);
    const res = (await pipe.exec()) ?? [];
    for (const [err] of res) if (err) throw AppError.unavailable('Could not read the agency roster; retry', err);
    const rosterAgency = res[0]?.[1] as string | null;
    const owner = (res[1]?.[1] as string | null | undefined) ?? null;
    const isModerator = res[2]?.[1] === 1;
    const { agencyId: _dropped, ...withoutAgency } = p;
    if (p.role === 'creator') {
      if (rosterAgency) return { ...p, agencyId: rosterAgency };
      return claim && owner !== null ? withoutAgency : p;
    }
    if (owner === null) return p; // not registered here: the signed claim stands
    const listed = p.role === 'agency' ? owner === p.userId : p.role === 'moderator' && isModerator;
    return listed ? p : withoutAgency;
  }
}
