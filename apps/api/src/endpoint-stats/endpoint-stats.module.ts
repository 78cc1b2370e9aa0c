import { Module } from '@nestjs/common';
import { ApplicationsModule } from '../applications/applications.module';
import { EndpointStatsController } from './endpoint-stats.controller';
import { EndpointStatsService } from './endpoint-stats.service';

@Module({
  imports: [ApplicationsModule],
  controllers: [EndpointStatsController],
  providers: [EndpointStatsService],
})
export class EndpointStatsModule {}
