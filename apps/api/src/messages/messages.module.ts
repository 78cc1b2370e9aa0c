import { IntakeModule } from '@app/intake';
import { Module } from '@nestjs/common';
import { ApplicationsModule } from '../applications/applications.module';
import { EndpointsModule } from '../endpoints/endpoints.module';
import { EndpointExamplesController } from './endpoint-examples.controller';
import { MessagesController } from './messages.controller';
import { MessagesService } from './messages.service';

@Module({
  imports: [ApplicationsModule, EndpointsModule, IntakeModule],
  controllers: [MessagesController, EndpointExamplesController],
  providers: [MessagesService],
  exports: [MessagesService],
})
export class MessagesModule {}
