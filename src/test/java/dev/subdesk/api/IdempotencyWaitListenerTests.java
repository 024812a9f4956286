package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

/**
 * What ends the wait of a request waiting for its {@code Idempotency-Key} besides the key settling. (Tomcat only calls
 * {@code onError} for an I/O error it notices, which a test cannot provoke at will: hence a unit test.)
 */
class IdempotencyWaitListenerTests {

	@Test
	void aClientHangingUpWhileWaitingEndsTheRequestWithoutAnErrorDispatch() {
		MockHttpServletRequest request = new MockHttpServletRequest("POST", "/api/v1/accounts");
		request.setAsyncSupported(true);
		MockHttpServletResponse response = new MockHttpServletResponse();
		AsyncContext async = request.startAsync(request, response);
		IdempotencyFilter.WaitListener listener = new IdempotencyFilter.WaitListener(async);
		async.addListener(listener);

		listener.onError(new AsyncEvent(async, request, response, new IOException("Connection reset by peer")));

		assertThat(request.isAsyncStarted())
			.as("completed by the listener: the container runs no error dispatch, which would count a 500")
			.isFalse();
		listener.onError(new AsyncEvent(async, request, response, new IOException("twice")));
	}
}
