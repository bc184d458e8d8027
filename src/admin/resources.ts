import { CertboundError } from '../core/certbound-error.ts';
import type { Grant, Resource } from '../core/model.ts';
import { parseScope } from '../core/scope.ts';
import type { Store } from '../storage/store.ts';
import { assertResourceUri } from './clients.ts';
import { getClient } from './client-lifecycle.ts';
import { getPartner } from './partners.ts';

/** An API as operators see it, with who may reach it. */
export interface ResourceView {
  readonly uri: string;
  readonly owner: string | null;
  readonly scopes: readonly string[];
  readonly grants: readonly GrantView[];
}

/** A grant as operators see it. */
export interface GrantView {
  readonly resource: string;
  readonly partner: string;
  readonly client: string | null;
  readonly scopes: readonly string[];
}

function grantView(g: Grant): GrantView {
  return { resource: g.resourceUri, partner: g.partnerId, client: g.clientId, scopes: g.scopes };
}

function scopesOf(scope: string | undefined): string[] {
  return scope === undefined || scope.trim() === '' ? [] : parseScope(scope.trim());
}

async function getResource(store: Store, uri: string): Promise<Resource> {
  const resource = await store.getResource(uri);
  if (!resource) throw new CertboundError('ERR_CERTBOUND_NOT_FOUND', `resource '${uri}' is not registered: add it with certbound resource add`);
  return resource;
}

/** A resource with its grants. */
export async function showResource(store: Store, uri: string): Promise<ResourceView> {
  const r = await getResource(store, uri);
  const grants = (await store.listGrants()).filter((g) => g.resourceUri === uri);
  return { uri: r.uri, owner: r.partnerId, scopes: r.scopes, grants: grants.map(grantView) };
}

/** Every resource, or those a partner owns. */
export async function listResources(store: Store, owner?: string): Promise<ResourceView[]> {
  const resources = (await store.listResources()).filter((r) => owner === undefined || r.partnerId === owner);
  return Promise.all(resources.map((r) => showResource(store, r.uri)));
}

/**
 * Registers an API by its identifier (the `aud` of its tokens, RFC 8707) with the scopes it
 * defines and the partner that owns it. Registering a known resource again by its owner
 * updates its scopes.
 */
export async function addResource(store: Store, uri: string, owner: string, scope?: string): Promise<ResourceView> {
  assertResourceUri(uri);
  await getPartner(store, owner);
  const scopes = scopesOf(scope);
  const known = await store.getResource(uri);
  if (known && known.partnerId !== owner) throw new CertboundError('ERR_CERTBOUND_CONFLICT', `resource '${uri}' belongs to another partner`);
  if (known) await store.setResourceScopes(uri, scopes);
  else await store.addResource({ uri, partnerId: owner, scopes });
  return showResource(store, uri);
}

/**
 * Grants a partner's clients — or one of them — tokens for a resource with a subset of its
 * scopes (all of them when none are named). Granting again replaces the scopes.
 */
export async function grantResource(store: Store, uri: string, partnerId: string, options: { client?: string | undefined; scope?: string | undefined } = {}): Promise<GrantView> {
  const resource = await getResource(store, uri);
  await getPartner(store, partnerId);
  if (options.client !== undefined) {
    const client = await getClient(store, options.client);
    if (client.partnerId !== partnerId) throw new CertboundError('ERR_CERTBOUND_FORBIDDEN', `client '${options.client}' is not a client of partner '${partnerId}'`);
  }
  const asked = scopesOf(options.scope);
  const scopes = asked.length === 0 ? [...resource.scopes] : asked;
  const undefinedScopes = resource.scopes.length === 0 ? [] : scopes.filter((s) => !resource.scopes.includes(s));
  if (undefinedScopes.length > 0) {
    throw new CertboundError('ERR_CERTBOUND_INVALID_INPUT', `resource '${uri}' does not define the scopes ${undefinedScopes.join(' ')} (it defines: ${resource.scopes.join(' ')})`);
  }
  return grantView(await store.putGrant({ resourceUri: uri, partnerId, clientId: options.client ?? null, scopes }));
}

/** Withdraws a grant: new token requests fail with invalid_target, and live tokens it covered introspect inactive. */
export async function revokeGrant(store: Store, uri: string, partnerId: string, client?: string): Promise<{ resource: string; partner: string; client: string | null; revoked: true }> {
  if (!(await store.deleteGrant(uri, partnerId, client ?? null))) {
    throw new CertboundError('ERR_CERTBOUND_NOT_FOUND', `no grant of '${uri}' to ${client === undefined ? `partner '${partnerId}'` : `client '${client}'`}`);
  }
  return { resource: uri, partner: partnerId, client: client ?? null, revoked: true };
}
