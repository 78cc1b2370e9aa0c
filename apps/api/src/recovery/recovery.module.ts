import { Module } from '@nestjs/common';
import { ApplicationsModule } from '../applications/applications.module';
import { RecoveryController } from './recovery.controller';
import { RecoveryService } from './recovery.service';

@Module({
  imports: [ApplicationsModule],
  controllers: [RecoveryController],
  providers: [RecoveryService],
})
export class RecoveryModule {}
