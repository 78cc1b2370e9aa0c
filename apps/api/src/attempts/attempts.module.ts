import { Module } from '@nestjs/common';
import { MessagesModule } from '../messages/messages.module';
import { AttemptsController } from './attempts.controller';
import { AttemptsService } from './attempts.service';
import { ResendController } from './resend.controller';

@Module({
  imports: [MessagesModule],
  controllers: [AttemptsController, ResendController],
  providers: [AttemptsService],
})
export class AttemptsModule {}
