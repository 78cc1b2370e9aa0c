import { SAGA_LIMITS } from '@app/core';
import { Type } from 'class-transformer';
import { PickType } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsDefined, IsString, Length, Matches, ValidateNested } from 'class-validator';
import { MessageIn } from '../../messages/dto/message-in.dto';

/** The message that undoes a step that succeeded: an event type, payload and channels, checked as a message's are. */
export class SagaCompensationIn extends PickType(MessageIn, ['eventType', 'payload', 'channels'] as const) {}

/** A step: delivered to the endpoints subscribed to its event type (one in the catalog), filters and channels as usual; at least one must be. */
export class SagaStepIn extends SagaCompensationIn {
  /** Unique within the saga: with the saga's id it names the step's message (its eventId). */
  @IsString()
  @Matches(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'name may only contain letters, digits, _ . - (1 to 64)' })
  name: string;

  @IsDefined()
  @ValidateNested()
  @Type(() => SagaCompensationIn)
  compensation: SagaCompensationIn;
}

/** Idem extension: a saga of steps across endpoints, each undone by its compensation if a later one fails. */
export class SagaIn {
  /** The producer's key for the saga, minted where the business operation starts: the same one again is this saga. */
  @IsString()
  @Length(1, 200)
  sagaId: string;

  /** In order; each starts once every endpoint answered 2xx to the one before. */
  @IsArray()
  @ArrayMinSize(1, { message: 'a saga needs at least one step' })
  @ArrayMaxSize(SAGA_LIMITS.maxSteps)
  @ValidateNested({ each: true })
  @Type(() => SagaStepIn)
  steps: SagaStepIn[];
}
