import { util } from '@aws-appsync/utils';

// onSubscribe for /scores/{gameId}/{playerId}: only the player the Lambda authorizer
// identified (its handlerContext), on exactly their own channel (no wildcard).
export function onSubscribe(ctx) {
  const player = ctx.identity ? ctx.identity.handlerContext : null;
  const segments = ctx.info.channel.segments;
  if (
    !player ||
    segments.length !== 3 ||
    segments[1] !== player.gameId ||
    segments[2] !== player.playerId
  ) {
    util.unauthorized();
  }
}
