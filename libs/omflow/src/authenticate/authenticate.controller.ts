import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
import { ApiBody, ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { BasicAuth, Scope } from '#app/common';
import { OmflowFailDto } from '#app/omflow-contract';
import { AuthenticateRequestDto, AuthenticateSuccessDto } from './authenticate.dto.js';
import { AuthenticateService, type LoginAnswer } from './authenticate.service.js';

@ApiTags('OMFLOW: Custom HR')
@ApiExtraModels(AuthenticateSuccessDto, OmflowFailDto)
@Controller()
export class AuthenticateController {
  constructor(private readonly service: AuthenticateService) {}

  /**
   * Checks a user's password when they log in to OMFLOW. Unknown users, users not active in the
   * published snapshot and wrong passwords get the same answer in the same time; repeated
   * failures lock the username (and, more loosely, the source IP) for a while.
   */
  @Post('authenticate')
  @HttpCode(200)
  @BasicAuth(Scope.Omflow)
  @ApiOperation({ summary: 'Check a login for OMFLOW (seeds/000 "log in")' })
  @ApiBody({ type: AuthenticateRequestDto })
  @ApiOkResponse({
    description:
      'Always HTTP 200 (OMFLOW reads the body): `{"status":"success"}`, or `{"status":"fail","message":...}` for a wrong password, an unknown or inactive user, a locked account, a malformed body or too many requests (then with `Retry-After`).',
    schema: { oneOf: [{ $ref: getSchemaPath(AuthenticateSuccessDto) }, { $ref: getSchemaPath(OmflowFailDto) }] },
  })
  async authenticate(@Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply): Promise<LoginAnswer> {
    const { answer, retryAfter } = await this.service.login(body);
    if (retryAfter) reply.header('Retry-After', String(retryAfter));
    reply.header('Cache-Control', 'no-store');
    return answer;
  }
}
