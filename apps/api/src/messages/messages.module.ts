import { Module } from '@nestjs/common';
import { ApplicationsModule } from '../applications/applications.module';
import { MetricsModule } from '../metrics/metrics.module';
import { MessagesController } from './messages.controller';
import { MessagesService } from './messages.service';

@Module({
  imports: [ApplicationsModule, MetricsModule],
  controllers: [MessagesController],
  providers: [MessagesService],
  exports: [MessagesService],
})
export class MessagesModule {}
