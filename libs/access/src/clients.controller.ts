import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AnyClientAuth, BearerAuth, CurrentPrincipal, ErrorBodyDto, Scope, type Principal } from '#app/common';
import { AccessService } from './access.service.js';
import { ClientPageDto, ClientResponseDto, CreateClientDto, IssuedClientResponseDto, ListClientsQueryDto, toClientResponse, WhoAmIDto } from './client.dto.js';

/** Who the caller is: for integration engineers checking a credential, by HTTP Basic or bearer. */
@ApiTags('Access: API clients')
@Controller('api/v1/whoami')
export class WhoAmIController {
  @Get()
  @AnyClientAuth()
  @ApiOperation({ summary: 'The authenticated client, its scopes and how it authenticated' })
  @ApiOkResponse({ type: WhoAmIDto })
  whoami(@CurrentPrincipal() principal: Principal): WhoAmIDto {
    return {
      clientId: principal.clientId,
      name: principal.name,
      scopes: [...principal.scopes],
      organisations: principal.organisations ? [...principal.organisations] : null,
      via: principal.via,
    };
  }
}

@ApiTags('Access: API clients')
@BearerAuth(Scope.Admin)
@Controller('api/v1/clients')
export class ClientsController {
  constructor(private readonly access: AccessService) {}

  @Post()
  @ApiOperation({ summary: 'Create a client; the answer carries its secret, shown this once' })
  @ApiCreatedResponse({ type: IssuedClientResponseDto })
  @ApiConflictResponse({ description: 'The id is taken.', type: ErrorBodyDto })
  async create(@Body() body: CreateClientDto, @CurrentPrincipal() principal: Principal): Promise<IssuedClientResponseDto> {
    const { client, secret } = await this.access.create(body, principal.clientId);
    return { ...toClientResponse(client), secret };
  }

  @Get()
  @ApiOperation({ summary: 'List clients' })
  @ApiOkResponse({ type: ClientPageDto })
  async list(@Query() query: ListClientsQueryDto): Promise<ClientPageDto> {
    const offset = query.offset ?? 0;
    const limit = query.limit ?? 50;
    const page = await this.access.list({ includeRevoked: query.includeRevoked ?? false, scope: query.scope, offset, limit });
    return { items: page.items.map(toClientResponse), total: page.total, offset, limit };
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get one client' })
  @ApiOkResponse({ type: ClientResponseDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  async get(@Param('id') id: string): Promise<ClientResponseDto> {
    return toClientResponse(await this.access.get(id));
  }

  @Post(':id/rotate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Issue a new secret; the old one, and any security code issued under it, stops working at once' })
  @ApiOkResponse({ type: IssuedClientResponseDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  @ApiConflictResponse({ description: 'The client is revoked.', type: ErrorBodyDto })
  async rotate(@Param('id') id: string): Promise<IssuedClientResponseDto> {
    const { client, secret } = await this.access.rotate(id);
    return { ...toClientResponse(client), secret };
  }

  @Post(':id/revoke')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke a client; it is kept for the audit trail but can no longer authenticate' })
  @ApiOkResponse({ type: ClientResponseDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  @ApiConflictResponse({ description: 'The client is already revoked.', type: ErrorBodyDto })
  async revoke(@Param('id') id: string): Promise<ClientResponseDto> {
    return toClientResponse(await this.access.revoke(id));
  }
}
