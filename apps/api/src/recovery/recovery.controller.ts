import { Body, Controller, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Principal } from '../auth/principal';
import { BackgroundTaskOut } from '../background-tasks/dto/background-task-out.dto';
import { ApiErrors } from '../http/api-errors.decorator';
import { Idempotent } from '../idempotency/idempotency.interceptor';
import { RecoverIn } from './dto/recover-in.dto';
import { RecoveryService } from './recovery.service';

@ApiTags('Endpoint')
@Controller('api/v1/app/:app_id/endpoint/:endpoint_id/recover')
export class RecoveryController {
  constructor(private readonly recovery: RecoveryService) {}

  /** Svix's recover: 202 with the background task that follows the resends. */
  @Post()
  @Idempotent()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ operationId: 'v1.endpoint.recover', summary: 'Recover Failed Webhooks' })
  @ApiErrors(404)
  recover(
    @CurrentPrincipal() principal: Principal,
    @Param('app_id') appId: string,
    @Param('endpoint_id') endpointId: string,
    @Body() body: RecoverIn,
  ): Promise<BackgroundTaskOut> {
    return this.recovery.recover(principal, appId, endpointId, body);
  }
}
