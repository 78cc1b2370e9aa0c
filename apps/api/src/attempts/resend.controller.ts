import { Controller, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Principal } from '../auth/principal';
import { AttemptsService } from './attempts.service';

@ApiTags('Message Attempt')
@Controller('api/v1/app/:app_id/msg/:msg_id/endpoint/:endpoint_id/resend')
export class ResendController {
  constructor(private readonly attempts: AttemptsService) {}

  /** Svix's resend: 202 with an empty JSON object, and a manual attempt appears once the worker has made it. */
  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  async resend(
    @CurrentPrincipal() principal: Principal,
    @Param('app_id') appId: string,
    @Param('msg_id') messageId: string,
    @Param('endpoint_id') endpointId: string,
  ): Promise<Record<string, never>> {
    await this.attempts.resend(principal, appId, messageId, endpointId);
    return {};
  }
}
