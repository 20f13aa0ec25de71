import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { BearerAuth, Scope } from '#app/common';
import {
  ImportPasswordsDto,
  ImportPasswordsResponseDto,
  LockoutClearedDto,
  LockoutListDto,
  LockoutQueryDto,
  PasswordRemovedResponseDto,
  PasswordSetResponseDto,
  SetPasswordDto,
} from './auth-admin.dto.js';
import { AuthAdminService } from './auth-admin.service.js';

@ApiTags('Logins')
@BearerAuth(Scope.Admin)
@Controller('api/v1/auth')
export class AuthAdminController {
  constructor(private readonly service: AuthAdminService) {}

  /** Sets or resets a user's password for AUTH_VERIFIER=local (the user need not be synchronised yet). */
  @Put('passwords/:username')
  @ApiOperation({ summary: "Set or reset a user's password" })
  setPassword(@Param('username') username: string, @Body() body: SetPasswordDto): Promise<PasswordSetResponseDto> {
    return this.service.setPassword(username, body.password, body.mustChange ?? false);
  }

  /** Removes a user's password: they can no longer log in with AUTH_VERIFIER=local. */
  @Delete('passwords/:username')
  @ApiOperation({ summary: "Remove a user's password" })
  removePassword(@Param('username') username: string): Promise<PasswordRemovedResponseDto> {
    return this.service.removePassword(username);
  }

  /** Imports many passwords at once; every row gets its own result. */
  @Post('passwords/import')
  @HttpCode(200)
  @ApiOperation({ summary: 'Bulk-import passwords, validated row by row' })
  importPasswords(@Body() body: ImportPasswordsDto): Promise<ImportPasswordsResponseDto> {
    return this.service.importPasswords(body.items, body.onExisting ?? 'replace');
  }

  /** Usernames and source IPs locked now. */
  @Get('lockouts')
  @ApiOperation({ summary: 'List the lockouts in force' })
  listLockouts(@Query() query: LockoutQueryDto): Promise<LockoutListDto> {
    return this.service.listLockouts(query.limit ?? 100, query.offset ?? 0);
  }

  /** Clears a username's failure counter and lockout. */
  @Delete('lockouts/users/:username')
  @ApiOperation({ summary: 'Unlock a username' })
  clearUser(@Param('username') username: string): Promise<LockoutClearedDto> {
    return this.service.clearLockout('user', username);
  }

  /** Clears a source IP's failure counter and lockout. */
  @Delete('lockouts/ips/:ip')
  @ApiOperation({ summary: 'Unlock a source IP' })
  clearIp(@Param('ip') ip: string): Promise<LockoutClearedDto> {
    return this.service.clearLockout('ip', ip);
  }
}
