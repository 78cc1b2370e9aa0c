import { Body, Controller, HttpCode, HttpStatus, Param, Post, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Principal } from '../auth/principal';
import { ApiErrors } from '../http/api-errors.decorator';
import { IdempotentInIntake, idempotentRequestOf } from '../idempotency/idempotent-request';
import { EventExampleIn } from './dto/event-example-in.dto';
import { MessageOut } from './dto/message-out.dto';
import { answer, MessagesService } from './messages.service';

@ApiTags('Endpoint')
@Controller('api/v1/app/:app_id/endpoint/:endpoint_id')
export class EndpointExamplesController {
  constructor(private readonly messages: MessagesService) {}

  /** Svix's "send event type example": a message with the event type's example payload, to this endpoint alone. */
  @Post('send-example')
  @HttpCode(HttpStatus.ACCEPTED)
  @IdempotentInIntake()
  @ApiOperation({ operationId: 'v1.endpoint.send-example', summary: 'Send Event Type Example Message' })
  @ApiErrors(404, { status: 409, description: '`conflict`: the endpoint is disabled' })
  async sendExample(
    @CurrentPrincipal() principal: Principal,
    @Param('app_id') appId: string,
    @Param('endpoint_id') endpointId: string,
    @Body() body: EventExampleIn,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<MessageOut> {
    return answer(response, await this.messages.sendExample(principal, appId, endpointId, body, idempotentRequestOf(request, principal)));
  }
}
