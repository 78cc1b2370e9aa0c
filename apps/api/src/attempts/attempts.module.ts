import { Module } from '@nestjs/common';
import { ApplicationsModule } from '../applications/applications.module';
import { MessagesModule } from '../messages/messages.module';
import { AttemptsController } from './attempts.controller';
import { AttemptsService } from './attempts.service';
import { EndpointMessagesController } from './endpoint-messages.controller';
import { MessageDeliveriesController } from './message-deliveries.controller';

@Module({
  imports: [ApplicationsModule, MessagesModule],
  controllers: [AttemptsController, MessageDeliveriesController, EndpointMessagesController],
  providers: [AttemptsService],
})
export class AttemptsModule {}
