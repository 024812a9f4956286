package dev.subdesk.shared;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.context.SmartLifecycle;

/** A job learns of the node's stop at once, and works again once started after it (a paused context resumed). */
class StoppableJobTests {

	private static final class Job extends StoppableJob {
	}

	@Test
	void aStopTellsTheRunToTakeNoOtherStepAndAStartAfterItLetsRunsWorkAgain() {
		Job job = new Job();
		job.start();
		assertThat(job.isRunning()).isTrue();
		assertThat(job.stopping()).isFalse();

		List<String> seen = new ArrayList<>();
		job.stop(() -> seen.add("stopped, stopping: " + job.stopping() + ", running: " + job.isRunning()));
		assertThat(seen).containsExactly("stopped, stopping: true, running: false");

		job.start();
		assertThat(job.isRunning()).isTrue();
		assertThat(job.stopping()).as("stopping, once started again after a stop").isFalse();
	}

	@Test
	void startsWithTheContextInTheDefaultPhaseNotYetStopping() {
		Job job = new Job();
		assertThat(job.getPhase()).isEqualTo(SmartLifecycle.DEFAULT_PHASE);
		assertThat(job.isAutoStartup()).isTrue();
		assertThat(job.isRunning()).isFalse();
		assertThat(job.stopping()).isFalse();
	}
}
