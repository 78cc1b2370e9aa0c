import { BackgroundTaskType, IdemError, newId } from '@app/core';
import { BackgroundTaskRepository, DeliveryResendRepository, EndpointRepository, UnitOfWork } from '@app/persistence';
import { DeliveryQueue } from '@app/queue';
import { Injectable, Logger } from '@nestjs/common';
import { ApplicationsService } from '../applications/applications.service';
import { Principal } from '../auth/principal';
import { BackgroundTaskOut, toBackgroundTaskOut } from '../background-tasks/dto/background-task-out.dto';
import { RecoverIn } from './dto/recover-in.dto';

/**
 * Recovering an endpoint: every delivery of messages accepted in the window that failed to arrive
 * (retries exhausted, canceled while the endpoint was disabled, or waiting for a retry) is marked for a
 * manual resend and a background task follows them until each has been attempted again. Built on the
 * resend marks, so it survives a lost queue and a second call does not resend what the first one did.
 */
@Injectable()
export class RecoveryService {
  private readonly logger = new Logger(RecoveryService.name);

  constructor(
    private readonly applications: ApplicationsService,
    private readonly endpoints: EndpointRepository,
    private readonly deliveries: DeliveryResendRepository,
    private readonly tasks: BackgroundTaskRepository,
    private readonly queue: DeliveryQueue,
    private readonly unitOfWork: UnitOfWork,
  ) {}

  async recover(principal: Principal, appIdOrUid: string, endpointIdOrUid: string, input: RecoverIn): Promise<BackgroundTaskOut> {
    const until = input.until ?? null;
    if (until !== null && until <= input.since) throw IdemError.validation('until must be later than since');
    const application = await this.applications.resolve(principal, appIdOrUid);
    const endpoint = await this.endpoints.findByIdOrUid(application.id, endpointIdOrUid);
    if (!endpoint) throw IdemError.notFound('Endpoint');
    return this.unitOfWork.run(async () => {
      const { requestedAt, deliveryIds, blocked } = await this.deliveries.requestRecovery(endpoint.id, input.since, until);
      const task = await this.tasks.create({
        id: newId('backgroundTask'),
        appId: application.id,
        task: BackgroundTaskType.EndpointRecover,
        data: {
          endpointId: endpoint.id,
          since: input.since.toISOString(),
          until: until?.toISOString() ?? null,
          requestedAt: requestedAt.toISOString(),
          total: deliveryIds.length,
          done: 0,
          // Idem extension: how many of them block an ordered lane, whose later messages go out once they are delivered.
          blockedLanes: blocked,
        },
      });
      this.unitOfWork.afterCommit(async () => {
        const jobs = deliveryIds.map((deliveryId) => ({ deliveryId, requestedAt: requestedAt.getTime() }));
        if (jobs.length > 0 && !(await this.queue.offer((queue) => queue.enqueueResends(jobs)))) {
          this.logger.warn(`Recovery ${task.id}: resends not enqueued; the sweeper will enqueue them`);
        }
      });
      return toBackgroundTaskOut(task);
    });
  }
}
