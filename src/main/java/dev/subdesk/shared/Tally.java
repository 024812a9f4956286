package dev.subdesk.shared;

/** How many of something a report counted under one key (a reason, a channel, a status). */
public record Tally(String key, long count) {

	public Tally {
		if (count < 0) {
			throw new IllegalArgumentException("a count is never negative: " + count);
		}
	}
}
