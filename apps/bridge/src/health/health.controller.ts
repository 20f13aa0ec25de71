import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, type HealthCheckResult, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { AppError, ErrorBodyDto, ErrorCode, Public } from '#app/common';

@ApiTags('Health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
  ) {}

  // GET /health/live is served by Fastify itself (liveness.ts).

  /** The bridge can serve: its database answers. 503 otherwise. */
  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: the database answers' })
  @ApiServiceUnavailableResponse({ description: 'Not ready: names the check that is down (`SERVICE.UNAVAILABLE`).', type: ErrorBodyDto })
  async ready(): Promise<HealthCheckResult> {
    try {
      return await this.health.check([() => this.db.pingCheck('database', { timeout: 3000 })]);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      // Name what is down (not why: driver messages may carry hosts and user names).
      const result = error.getResponse() as Partial<HealthCheckResult>;
      const down = Object.keys(result.error ?? {});
      throw new AppError(ErrorCode.Unavailable, `Not ready: ${down.length ? down.join(', ') : 'a check'} is down.`);
    }
  }
}
