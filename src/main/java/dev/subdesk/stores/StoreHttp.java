package dev.subdesk.stores;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * One exchange with a store's API (the App Store Server API, the Play Developer API and Google's token endpoint),
 * bounded as a whole: the JDK client's request timeout stops counting once the answer's headers came, so a body that
 * trickles in would hold the caller (a thread of the scheduler, {@link StoreLookups}) for good. Here the exchange,
 * body included, is given up after {@code timeout} (a {@link HttpTimeoutException}), and an answer larger than
 * {@link #MAX_BODY} is refused as it comes ({@link IOException}): the caller takes either as the store unavailable.
 */
final class StoreHttp {

	/** The largest answer read (a status answer is a few kilobytes; Apple's statuses of many groups some more). */
	static final int MAX_BODY = 1024 * 1024;

	private StoreHttp() {
	}

	/** Sends {@code request} and reads its answer as UTF-8 text, all of it within {@code timeout}. */
	static HttpResponse<String> exchange(HttpClient http, HttpRequest request, Duration timeout)
			throws IOException, InterruptedException {
		return exchange(http, request, timeout, MAX_BODY);
	}

	static HttpResponse<String> exchange(HttpClient http, HttpRequest request, Duration timeout, int maxBody)
			throws IOException, InterruptedException {
		CompletableFuture<HttpResponse<String>> answer = http.sendAsync(request, capped(maxBody));
		try {
			return answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (TimeoutException e) {
			answer.cancel(true); // aborts the exchange and closes its connection
			throw new HttpTimeoutException("no whole answer within " + timeout + " (timed out)");
		}
		catch (InterruptedException e) {
			answer.cancel(true);
			throw e;
		}
		catch (ExecutionException e) {
			Throwable cause = e.getCause();
			if (cause instanceof IOException io) {
				throw io;
			}
			throw new IOException(String.valueOf(cause), cause);
		}
	}

	/** A body handler reading at most {@code maxBody} bytes: a larger answer (or announced as larger) fails. */
	static HttpResponse.BodyHandler<String> capped(int maxBody) {
		return info -> {
			long announced = info.headers().firstValueAsLong("Content-Length").orElse(-1);
			return new Capped(HttpResponse.BodySubscribers.ofString(StandardCharsets.UTF_8), maxBody,
					announced > maxBody);
		};
	}

	private static final class Capped implements HttpResponse.BodySubscriber<String> {

		private final HttpResponse.BodySubscriber<String> body;
		private final int max;
		private boolean tooLarge;
		private long read;
		private Flow.@Nullable Subscription subscription;

		Capped(HttpResponse.BodySubscriber<String> body, int max, boolean tooLarge) {
			this.body = body;
			this.max = max;
			this.tooLarge = tooLarge;
		}

		@Override
		public CompletionStage<String> getBody() {
			return body.getBody();
		}

		@Override
		public void onSubscribe(Flow.Subscription subscription) {
			this.subscription = subscription;
			body.onSubscribe(subscription);
			if (tooLarge) {
				refuse();
			}
		}

		@Override
		public void onNext(List<ByteBuffer> items) {
			if (tooLarge) {
				return;
			}
			for (ByteBuffer item : items) {
				read += item.remaining();
			}
			if (read > max) {
				tooLarge = true;
				refuse();
				return;
			}
			body.onNext(items);
		}

		@Override
		public void onError(Throwable throwable) {
			if (!tooLarge) {
				body.onError(throwable);
			}
		}

		@Override
		public void onComplete() {
			if (!tooLarge) {
				body.onComplete();
			}
		}

		private void refuse() {
			if (subscription != null) {
				subscription.cancel();
			}
			body.onError(new IOException("the answer is larger than " + max + " bytes"));
		}
	}
}
