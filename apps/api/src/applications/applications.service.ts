import { IdemError, IdempotencyMode, isId, newId } from '@app/core';
import { ApplicationEntity, ApplicationFields, ApplicationRepository, applicationUidTaken, UnitOfWork } from '@app/persistence';
import { Injectable } from '@nestjs/common';
import { ApiTokenLookup } from '../auth/api-token-lookup';
import { Principal } from '../auth/principal';
import { throttleRateOf } from '../http/field-rules';
import { idCursor, ListResponse, toListResponse, toPageQuery } from '../http/list';
import { ApplicationIn } from './dto/application-in.dto';
import { ApplicationOut, toApplicationOut } from './dto/application-out.dto';
import { ApplicationPatch } from './dto/application-patch.dto';
import { ApplicationListQuery } from './dto/application-queries.dto';

const APPLICATION_CURSOR = idCursor('application');

@Injectable()
export class ApplicationsService {
  constructor(
    private readonly applications: ApplicationRepository,
    private readonly unitOfWork: UnitOfWork,
    private readonly tokens: ApiTokenLookup,
  ) {}

  /**
   * The application a path names by id or uid, if the caller may see it. Every route under
   * `/app/{app_id}` starts here, so an unknown or foreign application is always the same 404.
   */
  async resolve(principal: Principal, idOrUid: string): Promise<ApplicationEntity> {
    return visibleTo(principal, await this.applications.findByIdOrUid(idOrUid));
  }

  /** Creates the application; with `getIfExists`, an existing one with the same uid is returned instead of a 409. */
  async create(input: ApplicationIn, getIfExists: boolean): Promise<{ application: ApplicationOut; created: boolean }> {
    return this.unitOfWork.run(async () => {
      const fields = fieldsOf(input, null, IdempotencyMode.Enforce);
      const created = await this.applications.insertUnlessUidTaken(newId('application'), fields);
      if (created) return { application: toApplicationOut(created), created: true };
      // Only a taken uid stops the insert, so fields.uid is set here.
      if (!getIfExists) throw applicationUidTaken(fields.uid!);
      const existing = await this.applications.findByUid(fields.uid!);
      if (!existing) throw applicationUidTaken(fields.uid!);
      return { application: toApplicationOut(existing), created: false };
    });
  }

  async get(principal: Principal, idOrUid: string): Promise<ApplicationOut> {
    return toApplicationOut(await this.resolve(principal, idOrUid));
  }

  async list(principal: Principal, query: ApplicationListQuery): Promise<ListResponse<ApplicationOut>> {
    const page = toPageQuery(query, APPLICATION_CURSOR, 'ascending');
    const result = await this.applications.list(page, principal.appId);
    return toListResponse(result, page, APPLICATION_CURSOR, (application) => application.id, toApplicationOut);
  }

  /**
   * Svix's "create or update": replaces every field (an absent `uid` keeps the current one, since
   * callers often address the application by it). An unknown uid in the path creates the application
   * with that uid; an unknown id is a 404, as ids are ours to mint.
   */
  async update(principal: Principal, idOrUid: string, input: ApplicationIn): Promise<{ application: ApplicationOut; created: boolean }> {
    return this.unitOfWork.run(async () => {
      const existing = await this.applications.findByIdOrUid(idOrUid);
      if (!existing) {
        if (isId('application', idOrUid) || principal.appId !== null) throw IdemError.notFound('Application');
        const fields = fieldsOf(input, idOrUid, IdempotencyMode.Enforce);
        const created = await this.applications.insertUnlessUidTaken(newId('application'), fields);
        if (!created) throw applicationUidTaken(fields.uid!);
        return { application: toApplicationOut(created), created: true };
      }
      const application = visibleTo(principal, existing);
      return { application: toApplicationOut(await this.applications.update(application.id, fieldsOf(input, application.uid, application.idempotencyMode))), created: false };
    });
  }

  async patch(principal: Principal, idOrUid: string, input: ApplicationPatch): Promise<ApplicationOut> {
    return this.unitOfWork.run(async () => {
      const application = await this.resolve(principal, idOrUid);
      const rateLimit = throttleRateOf(input);
      const fields: ApplicationFields = {
        name: input.name ?? application.name,
        uid: input.uid === undefined ? application.uid : input.uid,
        metadata: input.metadata ?? application.metadata,
        rateLimit: rateLimit === undefined ? application.rateLimit : rateLimit,
        idempotencyMode: input.idempotencyMode ?? application.idempotencyMode,
      };
      return toApplicationOut(await this.applications.update(application.id, fields));
    });
  }

  async delete(principal: Principal, idOrUid: string): Promise<void> {
    await this.unitOfWork.run(async () => {
      const application = await this.resolve(principal, idOrUid);
      await this.applications.delete(application.id);
      // Its API tokens went with it.
      this.unitOfWork.afterCommit(() => this.tokens.forgetApplication(application.id));
    });
  }
}

function visibleTo(principal: Principal, application: ApplicationEntity | null): ApplicationEntity {
  if (!application || (principal.appId !== null && principal.appId !== application.id)) throw IdemError.notFound('Application');
  return application;
}

/** An absent `idempotencyMode` keeps the current one: Svix clients do not know the field, and an update through one must not undo it. */
function fieldsOf(input: ApplicationIn, uidWhenAbsent: string | null, modeWhenAbsent: IdempotencyMode): ApplicationFields {
  return {
    idempotencyMode: input.idempotencyMode ?? modeWhenAbsent,
    name: input.name,
    uid: input.uid === undefined ? uidWhenAbsent : input.uid,
    metadata: input.metadata ?? {},
    rateLimit: throttleRateOf(input) ?? null,
  };
}
