import { IdemConfig } from '@app/config';
import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { DeliveryQueue } from './delivery-queue';
import { createProducerRedis, RedisConnection } from './redis-connection';

export const PRODUCER_REDIS = Symbol('PRODUCER_REDIS');

@Global()
@Module({
  providers: [
    {
      provide: PRODUCER_REDIS,
      inject: [IdemConfig],
      useFactory: (config: IdemConfig) => createProducerRedis(config.redisUrl),
    },
    {
      provide: DeliveryQueue,
      inject: [PRODUCER_REDIS, IdemConfig],
      useFactory: (redis: RedisConnection, config: IdemConfig) => new DeliveryQueue(redis, config.queuePrefix, config.deliveryPolicy.job),
    },
  ],
  exports: [DeliveryQueue, PRODUCER_REDIS],
})
export class QueueModule implements OnApplicationShutdown {
  constructor(
    private readonly deliveryQueue: DeliveryQueue,
    @Inject(PRODUCER_REDIS) private readonly redis: RedisConnection,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.deliveryQueue.close();
    this.redis.disconnect();
  }
}
