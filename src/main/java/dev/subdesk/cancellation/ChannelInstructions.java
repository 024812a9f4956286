package dev.subdesk.cancellation;

import java.util.List;

/** How to cancel a subscription that an app store bills. */
public record ChannelInstructions(String channel, String url, List<String> steps) {
}
