import { IdemConfig } from '@app/config';
import { systemTargetResolver, TargetPolicy } from '@app/core';
import { Module } from '@nestjs/common';
import { ApplicationsModule } from '../applications/applications.module';
import { EndpointsController } from './endpoints.controller';
import { EndpointsService, TARGET_RESOLVER } from './endpoints.service';

@Module({
  imports: [ApplicationsModule],
  controllers: [EndpointsController],
  providers: [
    EndpointsService,
    { provide: TargetPolicy, inject: [IdemConfig], useFactory: (config: IdemConfig) => new TargetPolicy(config.targetPolicyOptions) },
    { provide: TARGET_RESOLVER, useValue: systemTargetResolver },
  ],
  exports: [EndpointsService],
})
export class EndpointsModule {}
