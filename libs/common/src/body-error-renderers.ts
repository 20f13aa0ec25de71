import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, HttpAdapterHost } from '@nestjs/core';
import type { Request, Response } from 'express';
import type { AppError } from './app-error.js';
import { installBodyErrorHandler } from './body-error-handler.js';

/**
 * A surface that answers request-body errors (malformed JSON, a body over BODY_LIMIT or nested
 * too deep) under its paths in its own contract. A provider of the surface's module, marked
 * `@RendersBodyErrors()`; BodyErrorRenderers installs it.
 */
export interface BodyErrorSurface {
  readonly paths: readonly string[];
  render(error: AppError, req: Request, res: Response): void | Promise<void>;
}

/** Marks a provider that implements BodyErrorSurface. */
export const RendersBodyErrors = DiscoveryService.createDecorator<void>();

/**
 * Installs every surface's body-error renderer once, when the application starts (after the
 * body parser and the routes, before Nest's final handlers). The composition root provides it,
 * with DiscoveryModule.
 */
@Injectable()
export class BodyErrorRenderers implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    for (const surface of this.surfaces()) installBodyErrorHandler(this.adapterHost, [...surface.paths], (error, req, res) => surface.render(error, req, res));
  }

  /** The providers marked @RendersBodyErrors(), each once (a module that re-exports one does not make it two). */
  surfaces(): BodyErrorSurface[] {
    const instances = this.discovery.getProviders({ metadataKey: RendersBodyErrors.KEY }).map((wrapper) => wrapper.instance as BodyErrorSurface | undefined);
    return [...new Set(instances)].filter((surface): surface is BodyErrorSurface => surface !== undefined);
  }
}
