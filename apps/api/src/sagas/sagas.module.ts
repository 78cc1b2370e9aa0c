import { IntakeModule } from '@app/intake';
import { Module } from '@nestjs/common';
import { ApplicationsModule } from '../applications/applications.module';
import { SagasController } from './sagas.controller';
import { SagasService } from './sagas.service';

@Module({
  imports: [ApplicationsModule, IntakeModule],
  controllers: [SagasController],
  providers: [SagasService],
})
export class SagasModule {}
