import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ok, TokenRequestDto, type WorkPlusEnvelope, type WorkPlusTokenResult } from '#app/workplus';
import { TokenService } from './token.service.js';

@ApiTags('token')
@Controller('v1/token')
export class TokenController {
  constructor(private readonly tokens: TokenService) {}

  /** Issues the application's access token; the previous one stops working. */
  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'Get an access token (client_credentials); invalidates the previous token of the app' })
  issue(@Body() body: TokenRequestDto): WorkPlusEnvelope<WorkPlusTokenResult> {
    return ok(this.tokens.issue(body), 'Everything is ok.');
  }
}
