import { IdemConfig, targetRefusalHint } from '@app/config';
import {
  EndpointHeaderProblem,
  endpointHeadersProblems,
  endpointHeadersView,
  generateSigningSecret,
  IdemError,
  isId,
  newId,
  patchEndpointHeaders,
  TargetPolicy,
  TargetResolver,
} from '@app/core';
import { EndpointEntity, EndpointFields, EndpointRepository, endpointUidTaken, UnitOfWork } from '@app/persistence';
import { Inject, Injectable } from '@nestjs/common';
import { ApplicationsService } from '../applications/applications.service';
import { Principal } from '../auth/principal';
import { throttleRateOf } from '../http/field-rules';
import { idCursor, ListResponse, toListResponse, toPageQuery } from '../http/list';
import { RequestValidationError } from '../http/request-validation.error';
import { EndpointHeadersIn, EndpointHeadersOut, EndpointHeadersPatchIn } from './dto/endpoint-headers.dto';
import { EndpointIn, EndpointPatch, EndpointUpdate } from './dto/endpoint-in.dto';
import { EndpointOut, toEndpointOut } from './dto/endpoint-out.dto';
import { EndpointListQuery } from './dto/endpoint-queries.dto';
import { EndpointSecretOut, EndpointSecretRotateIn } from './dto/endpoint-secret.dto';

const ENDPOINT_CURSOR = idCursor('endpoint');

/** Injection token of the `TargetResolver` an endpoint's hostname is looked up with when it is saved. */
export const TARGET_RESOLVER = Symbol('TargetResolver');

@Injectable()
export class EndpointsService {
  constructor(
    private readonly applications: ApplicationsService,
    private readonly endpoints: EndpointRepository,
    private readonly unitOfWork: UnitOfWork,
    private readonly config: IdemConfig,
    private readonly targetPolicy: TargetPolicy,
    @Inject(TARGET_RESOLVER) private readonly resolveTarget: TargetResolver,
  ) {}

  /** Creates the endpoint with its first signing secret (the given one, or a new one). */
  async create(principal: Principal, appIdOrUid: string, input: EndpointIn): Promise<EndpointOut> {
    const headers = input.headers ?? {};
    checkHeaders(headers);
    await this.checkTarget(input.url);
    return this.unitOfWork.run(async () => {
      const application = await this.applications.resolve(principal, appIdOrUid);
      return toEndpointOut(await this.insert(application.id, { ...fieldsOf(input, null), headers }, input.secret ?? null));
    });
  }

  async get(principal: Principal, appIdOrUid: string, endpointIdOrUid: string): Promise<EndpointOut> {
    return toEndpointOut(await this.resolve(principal, appIdOrUid, endpointIdOrUid));
  }

  async list(principal: Principal, appIdOrUid: string, query: EndpointListQuery): Promise<ListResponse<EndpointOut>> {
    const application = await this.applications.resolve(principal, appIdOrUid);
    const page = toPageQuery(query, ENDPOINT_CURSOR, 'ascending');
    const result = await this.endpoints.list(application.id, page);
    return toListResponse(result, page, ENDPOINT_CURSOR, (endpoint) => endpoint.id, toEndpointOut);
  }

  /**
   * Svix's "create or update": replaces every field (an absent `uid` keeps the current one). An
   * unknown uid in the path creates the endpoint with that uid; an unknown id is a 404.
   */
  async update(
    principal: Principal,
    appIdOrUid: string,
    endpointIdOrUid: string,
    input: EndpointUpdate,
  ): Promise<{ endpoint: EndpointOut; created: boolean }> {
    await this.checkTarget(input.url);
    return this.unitOfWork.run(async () => {
      const application = await this.applications.resolve(principal, appIdOrUid);
      const existing = await this.endpoints.findByIdOrUid(application.id, endpointIdOrUid);
      if (existing) return { endpoint: toEndpointOut(await this.endpoints.update(existing, fieldsOf(input, existing.uid))), created: false };
      if (isId('endpoint', endpointIdOrUid)) throw IdemError.notFound('Endpoint');
      return { endpoint: toEndpointOut(await this.insert(application.id, fieldsOf(input, endpointIdOrUid), null)), created: true };
    });
  }

  async patch(principal: Principal, appIdOrUid: string, endpointIdOrUid: string, input: EndpointPatch): Promise<EndpointOut> {
    if (input.url !== undefined) await this.checkTarget(input.url);
    return this.unitOfWork.run(async () => {
      const endpoint = await this.resolve(principal, appIdOrUid, endpointIdOrUid);
      const changes: Partial<EndpointFields> = {};
      if (input.url !== undefined) changes.url = input.url;
      if (input.description !== undefined) changes.description = input.description;
      if (input.uid !== undefined) changes.uid = input.uid;
      if (input.filterTypes !== undefined) changes.filterTypes = emptyAsNull(input.filterTypes);
      if (input.channels !== undefined) changes.channels = emptyAsNull(input.channels);
      if (input.disabled !== undefined) changes.disabled = input.disabled;
      if (input.metadata !== undefined) changes.metadata = input.metadata;
      if (input.version != null) changes.version = input.version;
      const rateLimit = throttleRateOf(input);
      if (rateLimit !== undefined) changes.rateLimit = rateLimit;
      return toEndpointOut(await this.endpoints.update(endpoint, changes));
    });
  }

  async delete(principal: Principal, appIdOrUid: string, endpointIdOrUid: string): Promise<void> {
    await this.unitOfWork.run(async () => {
      const endpoint = await this.resolve(principal, appIdOrUid, endpointIdOrUid);
      await this.endpoints.delete(endpoint.id);
    });
  }

  async getSecret(principal: Principal, appIdOrUid: string, endpointIdOrUid: string): Promise<EndpointSecretOut> {
    const endpoint = await this.resolve(principal, appIdOrUid, endpointIdOrUid);
    const secret = await this.endpoints.findCurrentSecret(endpoint.id);
    if (!secret) throw new Error(`endpoint ${endpoint.id} has no current signing secret`);
    return { key: secret };
  }

  async getHeaders(principal: Principal, appIdOrUid: string, endpointIdOrUid: string): Promise<EndpointHeadersOut> {
    const endpoint = await this.resolve(principal, appIdOrUid, endpointIdOrUid);
    return endpointHeadersView(endpoint.headers);
  }

  /** Svix's update headers: the given set replaces the endpoint's. */
  async replaceHeaders(principal: Principal, appIdOrUid: string, endpointIdOrUid: string, input: EndpointHeadersIn): Promise<void> {
    checkHeaders(input.headers);
    await this.unitOfWork.run(async () => {
      const endpoint = await this.resolve(principal, appIdOrUid, endpointIdOrUid);
      await this.endpoints.setHeaders(endpoint.id, input.headers);
    });
  }

  /**
   * Svix's patch headers: sets the named ones, removes those given null or named in `deleteHeaders`.
   * The endpoint's row is locked while the patch is applied, so two patches at once both apply.
   */
  async patchHeaders(principal: Principal, appIdOrUid: string, endpointIdOrUid: string, input: EndpointHeadersPatchIn): Promise<void> {
    // The patch's own names and values, as given (a null value is a removal, so any value passes for it).
    checkHeaders(Object.fromEntries(Object.entries(input.headers).map(([name, value]) => [name, value ?? ''])));
    await this.unitOfWork.run(async () => {
      const endpoint = await this.resolve(principal, appIdOrUid, endpointIdOrUid);
      const next = patchEndpointHeaders(await this.endpoints.lockHeaders(endpoint.id), input.headers, input.deleteHeaders);
      // What the patch leaves must still fit the bounds of a whole set.
      checkHeaders(next, (problem) => problem.name === null);
      await this.endpoints.setHeaders(endpoint.id, next);
    });
  }

  /**
   * Makes a new secret current. The old one gets an expiry and keeps signing beside the new one
   * until then, so receivers can switch without rejecting a webhook. Rotations of one endpoint are
   * serialised by a row lock, so two at once still leave exactly one current secret.
   */
  async rotateSecret(principal: Principal, appIdOrUid: string, endpointIdOrUid: string, input: EndpointSecretRotateIn): Promise<void> {
    await this.unitOfWork.run(async () => {
      const endpoint = await this.resolve(principal, appIdOrUid, endpointIdOrUid);
      await this.endpoints.lock(endpoint.id);
      const now = new Date();
      const graceMs = input.gracePeriodSeconds != null ? input.gracePeriodSeconds * 1000 : this.config.secretRotationGraceMs;
      await this.endpoints.retireCurrentSecret(endpoint.id, new Date(now.getTime() + graceMs), now);
      await this.endpoints.addSecret(newId('endpointSecret'), endpoint.id, input.key ?? generateSigningSecret());
    });
  }

  /**
   * Refuses a URL the worker would refuse to call (`IDEM_ALLOW_PRIVATE_TARGETS`,
   * `IDEM_TARGET_ALLOWLIST`, `IDEM_HTTPS_ONLY`), saying why and which setting would allow it: an IP
   * address written in the URL, and what its hostname resolves to now. The worker judges the
   * addresses again at every connection, since a name can change what it resolves to.
   */
  private async checkTarget(url: string): Promise<void> {
    const verdict = await this.targetPolicy.checkSavedUrl(url, this.resolveTarget);
    if (!verdict.allowed) {
      throw new RequestValidationError([{ loc: ['body', 'url'], msg: verdict.reason + targetRefusalHint(verdict.category), type: 'value_error.url.target' }]);
    }
  }

  /** The endpoint a path names by id or uid, in an application the caller may see; else a 404. */
  async resolve(principal: Principal, appIdOrUid: string, endpointIdOrUid: string): Promise<EndpointEntity> {
    const application = await this.applications.resolve(principal, appIdOrUid);
    const endpoint = await this.endpoints.findByIdOrUid(application.id, endpointIdOrUid);
    if (!endpoint) throw IdemError.notFound('Endpoint');
    return endpoint;
  }

  private async insert(appId: string, fields: EndpointFields, secret: string | null): Promise<EndpointEntity> {
    const endpoint = await this.endpoints.insertUnlessUidTaken(newId('endpoint'), appId, fields);
    // Only a taken uid stops the insert, so fields.uid is set here.
    if (!endpoint) throw endpointUidTaken(fields.uid!);
    await this.endpoints.addSecret(newId('endpointSecret'), endpoint.id, secret ?? generateSigningSecret());
    return endpoint;
  }
}

function fieldsOf(input: EndpointUpdate, uidWhenAbsent: string | null): EndpointFields {
  return {
    url: input.url,
    description: input.description ?? '',
    uid: input.uid === undefined ? uidWhenAbsent : input.uid,
    filterTypes: emptyAsNull(input.filterTypes),
    channels: emptyAsNull(input.channels),
    disabled: input.disabled ?? false,
    metadata: input.metadata ?? {},
    version: input.version ?? 1,
    rateLimit: throttleRateOf(input) ?? null,
  };
}

/** Refuses headers an endpoint may not send, naming each (`["body", "headers", "<name>"]`) in Svix's 422. */
function checkHeaders(headers: Record<string, unknown>, only: (problem: EndpointHeaderProblem) => boolean = () => true): void {
  const problems = endpointHeadersProblems(headers).filter(only);
  if (problems.length === 0) return;
  throw new RequestValidationError(
    problems.map((problem) => ({ loc: problem.name === null ? ['body', 'headers'] : ['body', 'headers', problem.name], msg: problem.message, type: problem.type })),
  );
}

/** An empty filter means "everything", the same as none; storing one form keeps routing simple. */
function emptyAsNull(list: string[] | null | undefined): string[] | null {
  return list && list.length > 0 ? list : null;
}
