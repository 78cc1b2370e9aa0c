import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Principal } from '../auth/principal';
import { ApiErrors } from '../http/api-errors.decorator';
import { ApiListResponse, ListResponse } from '../http/list';
import { BackgroundTasksService } from './background-tasks.service';
import { BackgroundTaskOut } from './dto/background-task-out.dto';
import { BackgroundTaskListQuery } from './dto/background-task-queries.dto';

@ApiTags('Background Task')
@Controller('api/v1/background-task')
export class BackgroundTasksController {
  constructor(private readonly tasks: BackgroundTasksService) {}

  @Get()
  @ApiOperation({ operationId: 'v1.background-task.list', summary: 'List Background Tasks' })
  @ApiListResponse(BackgroundTaskOut)
  list(@CurrentPrincipal() principal: Principal, @Query() query: BackgroundTaskListQuery): Promise<ListResponse<BackgroundTaskOut>> {
    return this.tasks.list(principal, query);
  }

  @Get(':task_id')
  @ApiOperation({ operationId: 'v1.background-task.get', summary: 'Get Background Task' })
  @ApiErrors(404)
  get(@CurrentPrincipal() principal: Principal, @Param('task_id') taskId: string): Promise<BackgroundTaskOut> {
    return this.tasks.get(principal, taskId);
  }
}
