import { IdemConfig } from '@app/config';
import { TargetPolicy } from '@app/core';
import { Module } from '@nestjs/common';
import { ApplicationsModule } from '../applications/applications.module';
import { EndpointsController } from './endpoints.controller';
import { EndpointsService } from './endpoints.service';

@Module({
  imports: [ApplicationsModule],
  controllers: [EndpointsController],
  providers: [
    EndpointsService,
    { provide: TargetPolicy, inject: [IdemConfig], useFactory: (config: IdemConfig) => new TargetPolicy(config.targetPolicyOptions) },
  ],
})
export class EndpointsModule {}
