import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiConflictResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { BearerAuth, CurrentPrincipal, ErrorBodyDto, Scope, type Principal } from '#app/common';
import { NotificationsService } from './notifications.service.js';
import { ListNotificationsQueryDto, NotificationPageDto, SendTestNotificationDto, TestNotificationSentDto, toNotification } from './notifications.dto.js';

@ApiTags('Notifications')
@BearerAuth(Scope.Admin)
@Controller('api/v1/notifications')
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get()
  @ApiOperation({ summary: 'Recent notifications, newest first, one per webhook, with their delivery state' })
  @ApiOkResponse({ type: NotificationPageDto })
  async list(@Query() query: ListNotificationsQueryDto): Promise<NotificationPageDto> {
    const offset = query.offset ?? 0;
    const limit = query.limit ?? 50;
    const page = await this.notifications.list({ status: query.status, type: query.type, offset, limit });
    return { items: page.items.map(toNotification), total: page.total, offset, limit };
  }

  @Post('test')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send a test notification to every webhook (delivered in the background, like every notification)' })
  @ApiAcceptedResponse({ type: TestNotificationSentDto })
  @ApiConflictResponse({ description: 'No webhook is configured.', type: ErrorBodyDto })
  async test(@Body() body: SendTestNotificationDto, @CurrentPrincipal() principal: Principal): Promise<TestNotificationSentDto> {
    return this.notifications.sendTest(body.message ?? null, principal.clientId);
  }
}
