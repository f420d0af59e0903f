// The emulated external issuer's public endpoints, as GitHub Actions serves them at
// https://token.actions.githubusercontent.com/.well-known/openid-configuration and /.well-known/jwks
// (docs.github.com/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect).
import type { EmulatorContext } from '../context.ts';
import type { Reply, RequestContext } from '../http.ts';

export function handleOidc(ctx: EmulatorContext, req: RequestContext): Reply {
  if (req.method === 'GET' && req.path === '/.well-known/openid-configuration')
    return { status: 200, body: ctx.oidc.discovery(req.origin) };
  if (req.method === 'GET' && req.path === '/.well-known/jwks') return { status: 200, body: ctx.oidc.jwks };
  return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'Not Found' };
}
