import type { IncomingHttpHeaders } from 'node:http';
import { parseGenericDelivery } from './parse-generic-delivery.js';
import { parseGiteaDelivery } from './parse-gitea-delivery.js';
import { parseGithubDelivery } from './parse-github-delivery.js';
import { parseGitlabDelivery } from './parse-gitlab-delivery.js';
import { headerOf, pick } from './payload-fields.js';
import type { Forge, ParsedDelivery } from './trigger.js';
import { verifySignature, type SignatureScheme } from './verify-signature.js';

/** What `ferry serve` needs to know about one forge's deliveries. Pure: no I/O. */
export interface ForgeAdapter {
  forge: Forge;
  /** The header names, for messages and docs: signature, event, delivery id (in order of preference). */
  headers: { signature: string[]; event: string[]; delivery: string[] };
  scheme: SignatureScheme;
  /** The repository the payload names (read before the signature is checked, to find the secret). */
  repoName(payload: unknown): string | undefined;
  /** The event name from the headers. */
  event(headers: IncomingHttpHeaders): string | undefined;
  /** The forge's id of this delivery: the same on a redelivery, so it is the run's idempotency key. */
  deliveryId(headers: IncomingHttpHeaders): string | undefined;
  /** Whether the request proves the secret (constant-time). */
  verify(body: Buffer, headers: IncomingHttpHeaders, secret: string): boolean;
  parse(event: string, payload: unknown): ParsedDelivery;
}

function adapter(
  forge: Forge,
  scheme: SignatureScheme,
  headers: ForgeAdapter['headers'],
  repoName: (payload: unknown) => unknown,
  parse: ForgeAdapter['parse'],
): ForgeAdapter {
  return {
    forge,
    headers,
    scheme,
    repoName: (payload) => {
      const name = repoName(payload);
      return typeof name === 'string' && name !== '' ? name : undefined;
    },
    event: (request) => headerOf(request, ...headers.event),
    deliveryId: (request) => headerOf(request, ...headers.delivery),
    verify: (body, request, secret) => verifySignature(scheme, body, headerOf(request, ...headers.signature), secret),
    parse,
  };
}

export const forgeAdapters: Record<Forge, ForgeAdapter> = {
  github: adapter(
    'github',
    'hmac-sha256-prefixed',
    { signature: ['x-hub-signature-256'], event: ['x-github-event'], delivery: ['x-github-delivery'] },
    (payload) => pick(payload, 'repository', 'full_name'),
    parseGithubDelivery,
  ),
  gitlab: adapter(
    'gitlab',
    'token',
    // Idempotency-Key (GitLab 17.4+) is the same on every retry of a delivery; X-Gitlab-Event-UUID before that.
    { signature: ['x-gitlab-token'], event: ['x-gitlab-event'], delivery: ['idempotency-key', 'x-gitlab-event-uuid'] },
    (payload) => pick(payload, 'project', 'path_with_namespace'),
    parseGitlabDelivery,
  ),
  gitea: adapter(
    'gitea',
    'hmac-sha256-hex',
    {
      signature: ['x-gitea-signature', 'x-forgejo-signature'],
      event: ['x-gitea-event', 'x-forgejo-event'],
      delivery: ['x-gitea-delivery', 'x-forgejo-delivery'],
    },
    (payload) => pick(payload, 'repository', 'full_name'),
    parseGiteaDelivery,
  ),
  generic: adapter(
    'generic',
    'hmac-sha256-prefixed',
    { signature: ['x-ferry-signature-256'], event: ['x-ferry-event'], delivery: ['x-ferry-delivery'] },
    (payload) => pick(payload, 'repo'),
    parseGenericDelivery,
  ),
};
