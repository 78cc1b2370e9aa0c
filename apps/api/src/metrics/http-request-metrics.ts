import type { RequestHandler } from 'express';
import { ApiMetrics } from './api-metrics';

/** The route label of a request no route answered: the console's and the docs' static files, and 404s. */
export const UNMATCHED_ROUTE = 'other';

/** What Express leaves on a request about the route that answered it. */
export interface RoutedRequest {
  route?: { path?: unknown };
}

/**
 * The template of the route that answered (`/api/v1/app/:app_id/msg`), never the path it was sent to:
 * a label with ids or free text in it would make a new time series for every application, endpoint or
 * message, and let any caller make more.
 */
export function routeLabelOf(request: RoutedRequest): string {
  const path = request.route?.path;
  // Nest mounts middleware for every path as a catch-all route ("{*path}"): having passed through it says
  // nothing about which route answered, and 404s leave it as the last route matched.
  if (typeof path !== 'string' || path.includes('*')) return UNMATCHED_ROUTE;
  return path;
}

/**
 * Times every request Express receives and counts it when its answer is finished, when the route that
 * answered is known. In memory only: nothing is written per request.
 */
export function observeHttpRequests(metrics: ApiMetrics): RequestHandler {
  return (request, response, next) => {
    const started = performance.now();
    response.once('finish', () => {
      metrics.requestAnswered(request.method, routeLabelOf(request), response.statusCode, (performance.now() - started) / 1000);
    });
    next();
  };
}
