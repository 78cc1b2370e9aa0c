import { canonicalJson, IdemError, newId, SAGA_LIMITS, SagaMessageRole, sha256Hex, subscriptionMatches } from '@app/core';
import { SagaMessages } from '@app/intake';
import { EventTypeRepository, SagaMessageDefinition, SagaRepository, SagaStepDefinition, UnitOfWork } from '@app/persistence';
import { Injectable } from '@nestjs/common';
import { ApplicationsService } from '../applications/applications.service';
import { Principal } from '../auth/principal';
import { idCursor, ListResponse, toListResponse, toPageQuery } from '../http/list';
import { RequestValidationError, ValidationProblem } from '../http/request-validation.error';
import { SagaCompensationIn, SagaIn } from './dto/saga-in.dto';
import { SagaOut, SagaSummaryOut, toSagaOut, toSagaSummaryOut } from './dto/saga-out.dto';
import { SagaListQuery } from './dto/saga-queries.dto';

const SAGA_CURSOR = idCursor('saga');

@Injectable()
export class SagasService {
  constructor(
    private readonly applications: ApplicationsService,
    private readonly sagas: SagaRepository,
    private readonly eventTypes: EventTypeRepository,
    private readonly sagaMessages: SagaMessages,
    private readonly unitOfWork: UnitOfWork,
  ) {}

  /**
   * Creates the saga and writes its first step, in one transaction; the same `sagaId` with the same steps
   * is the existing saga (created false), with other steps a 409. A step or compensation whose event
   * type is not in the catalog, or that no enabled endpoint subscribes to, is a 422, and nothing is written.
   */
  async create(principal: Principal, appIdOrUid: string, input: SagaIn): Promise<{ saga: SagaOut; created: boolean }> {
    const application = await this.applications.resolve(principal, appIdOrUid);
    const steps: SagaStepDefinition[] = input.steps.map((step) => ({ name: step.name, ...sagaMessageOf(step), compensation: sagaMessageOf(step.compensation) }));
    checkShape(steps);
    return this.unitOfWork.run(async () => {
      const subscriptions = await this.sagas.findSubscriptions(application.id);
      const listed = await this.eventTypes.findListed([...new Set(steps.flatMap((step) => [step.eventType, step.compensation.eventType]))]);
      const problems: ValidationProblem[] = [];
      const check = (message: SagaMessageDefinition, loc: string[]) => {
        const { eventType, channels } = message;
        if (!listed.has(eventType)) problems.push({ loc, msg: `event type "${eventType}" is not in the catalog (create it first)`, type: 'value_error' });
        else if (!subscriptions.some((subscription) => subscriptionMatches(subscription, { eventType, channels: channels ?? null }))) problems.push(noSubscriber(loc, message));
      };
      steps.forEach((step, index) => {
        check(step, ['body', 'steps', String(index), 'eventType']);
        check(step.compensation, ['body', 'steps', String(index), 'compensation', 'eventType']);
      });
      if (problems.length > 0) throw new RequestValidationError(problems);

      const requestHash = sha256Hex(canonicalJson(steps));
      const inserted = await this.sagas.insertUnlessTaken({ id: newId('saga'), appId: application.id, sagaId: input.sagaId, requestHash, steps });
      const saga = (await this.sagas.findBySagaId(application.id, input.sagaId))!;
      if (!inserted) {
        if (saga.requestHash !== requestHash) throw IdemError.conflict(`A saga with sagaId "${input.sagaId}" and other steps already exists`);
        return { saga: toSagaOut(saga, await this.sagas.findMessages(saga.id)), created: false };
      }
      const sent = await this.sagaMessages.send(saga, SagaMessageRole.Step, 0);
      // The first step's payload breaks its event type's schema (say): the saga is not created either.
      if ('refused' in sent) throw sent.refused;
      return { saga: toSagaOut(saga, await this.sagas.findMessages(saga.id)), created: true };
    });
  }

  async get(principal: Principal, appIdOrUid: string, idOrSagaId: string): Promise<SagaOut> {
    const application = await this.applications.resolve(principal, appIdOrUid);
    const saga = await this.sagas.findByIdOrSagaId(application.id, idOrSagaId);
    if (!saga) throw IdemError.notFound('Saga');
    return toSagaOut(saga, await this.sagas.findMessages(saga.id));
  }

  async list(principal: Principal, appIdOrUid: string, query: SagaListQuery): Promise<ListResponse<SagaSummaryOut>> {
    const application = await this.applications.resolve(principal, appIdOrUid);
    const page = toPageQuery(query, SAGA_CURSOR, 'descending');
    const result = await this.sagas.list(application.id, query.status, page);
    return toListResponse(result, page, SAGA_CURSOR, (saga) => saga.id, toSagaSummaryOut);
  }
}

/** Distinct step names (they name the messages) and a bounded size. */
function checkShape(steps: readonly SagaStepDefinition[]): void {
  const problems: ValidationProblem[] = [];
  const seen = new Set<string>();
  steps.forEach((step, index) => {
    if (seen.has(step.name)) problems.push({ loc: ['body', 'steps', String(index), 'name'], msg: `step name "${step.name}" is used twice`, type: 'value_error' });
    seen.add(step.name);
  });
  const bytes = Buffer.byteLength(JSON.stringify(steps));
  if (bytes > SAGA_LIMITS.maxBytes) problems.push({ loc: ['body', 'steps'], msg: `the saga's steps take ${bytes} bytes, more than ${SAGA_LIMITS.maxBytes}`, type: 'value_error' });
  if (problems.length > 0) throw new RequestValidationError(problems);
}

/** The message as stored: channels only when there are some, so a saga without them hashes as it always did. */
function sagaMessageOf({ eventType, payload, channels }: SagaCompensationIn): SagaMessageDefinition {
  return channels && channels.length > 0 ? { eventType, payload, channels } : { eventType, payload };
}

function noSubscriber(loc: string[], { eventType, channels }: SagaMessageDefinition): ValidationProblem {
  const on = channels ? ` on channels ${channels.map((channel) => `"${channel}"`).join(', ')}` : '';
  return { loc, msg: `no enabled endpoint of the application subscribes to "${eventType}"${on}`, type: 'value_error' };
}
