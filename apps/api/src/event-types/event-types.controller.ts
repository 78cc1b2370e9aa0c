import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post, Put, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { OrganisationWide } from '../auth/organisation-wide.decorator';
import { ApiErrors } from '../http/api-errors.decorator';
import { ApiListResponse, ListResponse } from '../http/list';
import { Idempotent } from '../idempotency/idempotency.interceptor';
import { EventTypeIn, EventTypePatch, EventTypeUpdate } from './dto/event-type-in.dto';
import { EventTypeOut } from './dto/event-type-out.dto';
import { DeleteEventTypeQuery, EventTypeListQuery } from './dto/event-type-queries.dto';
import { EventTypesService } from './event-types.service';

/**
 * The event type catalogue is shared by every application: any token may read it, only an
 * organisation-wide token may change it.
 */
@ApiTags('Event Type')
@Controller('api/v1/event-type')
export class EventTypesController {
  constructor(private readonly eventTypes: EventTypesService) {}

  @Get()
  @ApiOperation({ operationId: 'v1.event-type.list', summary: 'List Event Types' })
  @ApiListResponse(EventTypeOut)
  list(@Query() query: EventTypeListQuery): Promise<ListResponse<EventTypeOut>> {
    return this.eventTypes.list(query);
  }

  @Post()
  @Idempotent()
  @OrganisationWide()
  @ApiOperation({ operationId: 'v1.event-type.create', summary: 'Create Event Type' })
  @ApiErrors({ status: 409, description: '`conflict`: an event type already has this name' })
  create(@Body() body: EventTypeIn): Promise<EventTypeOut> {
    return this.eventTypes.create(body);
  }

  @Get(':event_type_name')
  @ApiOperation({ operationId: 'v1.event-type.get', summary: 'Get Event Type' })
  @ApiErrors(404)
  get(@Param('event_type_name') name: string): Promise<EventTypeOut> {
    return this.eventTypes.get(name);
  }

  /** 200 when updated; 201 when no event type had the name and one was created. */
  @Put(':event_type_name')
  @OrganisationWide()
  @ApiOperation({ operationId: 'v1.event-type.update', summary: 'Update Event Type' })
  @ApiOkResponse({ type: EventTypeOut, description: 'Updated' })
  @ApiCreatedResponse({ type: EventTypeOut, description: 'No event type had the name: created' })
  async update(
    @Param('event_type_name') name: string,
    @Body() body: EventTypeUpdate,
    @Res({ passthrough: true }) response: Response,
  ): Promise<EventTypeOut> {
    const { eventType, created } = await this.eventTypes.update(name, body);
    response.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return eventType;
  }

  @Patch(':event_type_name')
  @OrganisationWide()
  @ApiOperation({ operationId: 'v1.event-type.patch', summary: 'Patch Event Type' })
  @ApiErrors(404)
  patch(@Param('event_type_name') name: string, @Body() body: EventTypePatch): Promise<EventTypeOut> {
    return this.eventTypes.patch(name, body);
  }

  @Delete(':event_type_name')
  @OrganisationWide()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ operationId: 'v1.event-type.delete', summary: 'Delete Event Type' })
  @ApiErrors(404)
  delete(@Param('event_type_name') name: string, @Query() query: DeleteEventTypeQuery): Promise<void> {
    return this.eventTypes.delete(name, query.expunge ?? false);
  }
}
