import { Module } from '@nestjs/common';
import { BackgroundTasksController } from './background-tasks.controller';
import { BackgroundTasksService } from './background-tasks.service';

/** Background tasks as Svix shows them. Operations that start one (endpoint recover) write it through `BackgroundTaskRepository`. */
@Module({
  controllers: [BackgroundTasksController],
  providers: [BackgroundTasksService],
  exports: [BackgroundTasksService],
})
export class BackgroundTasksModule {}
