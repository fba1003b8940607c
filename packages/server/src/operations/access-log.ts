/**
 * One structured access-log line per answered request (pino, level info), replacing Fastify's
 * "incoming request" / "request completed" pair. Headers are never logged, so credentials
 * (Authorization, cookies) cannot reach the log; the URL is logged with its query string, which
 * in MLflow's API carries ids, filters and page tokens but no secrets.
 */
import type { FastifyInstance } from 'fastify';

export function registerAccessLog(app: FastifyInstance): void {
  app.addHook('onResponse', async (request, reply) => {
    const status = reply.statusCode;
    const line = {
      method: request.method,
      url: request.url,
      route: request.routeOptions.url ?? null,
      status,
      durationMs: Math.round(reply.elapsedTime * 1000) / 1000,
      bytesIn: Number(request.headers['content-length'] ?? 0),
      bytesOut: Number(reply.getHeader('content-length') ?? 0),
      remoteAddress: request.ip,
      userAgent: request.headers['user-agent'],
    };
    if (status >= 500) request.log.error(line, 'request');
    else request.log.info(line, 'request');
  });
}
