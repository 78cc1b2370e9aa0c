import { IntakeModule } from '@app/intake';
import { Module } from '@nestjs/common';
import { ApplicationsModule } from '../applications/applications.module';
import { MessagesController } from './messages.controller';
import { MessagesService } from './messages.service';

@Module({
  imports: [ApplicationsModule, IntakeModule],
  controllers: [MessagesController],
  providers: [MessagesService],
  exports: [MessagesService],
})
export class MessagesModule {}
