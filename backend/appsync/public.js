import { util } from '@aws-appsync/utils';

// onSubscribe for /game, /question and /leaderboard: open to the API key and IAM, but a
// player token (Lambda authorizer identity) only reaches its own game's channel, no wildcard.
export function onSubscribe(ctx) {
  const player = ctx.identity ? ctx.identity.handlerContext : null;
  const segments = ctx.info.channel.segments;
  if (player && (segments.length !== 2 || segments[1] !== player.gameId)) {
    util.unauthorized();
  }
}
