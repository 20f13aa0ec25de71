import { HttpException, Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppError } from './app-error.js';

/**
 * A surface that answers request-body errors (malformed JSON, a body over BODY_LIMIT or nested
 * too deep) under its paths in its own contract. A provider of the surface's module, marked
 * `@RendersBodyErrors()`; BodyErrorRenderers finds it.
 */
export interface BodyErrorSurface {
  readonly paths: readonly string[];
  render(error: AppError, req: FastifyRequest, reply: FastifyReply): void | Promise<void>;
}

/** Marks a provider that implements BodyErrorSurface. */
export const RendersBodyErrors = DiscoveryService.createDecorator<void>();

/** Marks an error raised while reading a request body (see isBodyError). */
export const BODY_ERROR = Symbol('body-error');

/** Marks `error` as raised while reading a request body. */
export function asBodyError<E extends object>(error: E): E {
  return Object.assign(error, { [BODY_ERROR]: true });
}

/**
 * Whether an exception was raised while the request body was read, before any route: by the
 * bridge's JSON parser (marked with asBodyError) or by Fastify's content-type parsing (body over
 * BODY_LIMIT, unsupported media type, bad Content-Length), which Nest's Fastify adapter hands
 * over as an HttpException caused by a FastifyError.
 */
export function isBodyError(exception: unknown): boolean {
  if (typeof exception !== 'object' || exception === null) return false;
  if (BODY_ERROR in exception) return true;
  const cause = exception instanceof HttpException ? (exception as { cause?: unknown }).cause : undefined;
  return cause instanceof Error && (cause.name === 'FastifyError' || BODY_ERROR in cause);
}

/**
 * Body errors happen before any route, so no controller filter sees them: the global filter
 * (HttpErrorFilter) asks this registry which surface answers under the request's path, so that
 * the surface answers them in its contract: OMFLOW's envelope, WorkPlus's envelope,
 * `{"status":"fail"}`. The composition root provides it, with DiscoveryModule.
 */
@Injectable()
export class BodyErrorRenderers implements OnModuleInit {
  private found: BodyErrorSurface[] = [];

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    this.found = this.surfaces();
  }

  /** The surface whose paths cover `path` (a prefix ending at a segment boundary), if any. */
  surfaceOf(path: string): BodyErrorSurface | undefined {
    return this.found.find((surface) => surface.paths.some((prefix) => path === prefix || path.startsWith(`${prefix}/`)));
  }

  /** The providers marked @RendersBodyErrors(), each once (a module that re-exports one does not make it two). */
  surfaces(): BodyErrorSurface[] {
    const instances = this.discovery.getProviders({ metadataKey: RendersBodyErrors.KEY }).map((wrapper) => wrapper.instance as BodyErrorSurface | undefined);
    return [...new Set(instances)].filter((surface): surface is BodyErrorSurface => surface !== undefined);
  }
}
