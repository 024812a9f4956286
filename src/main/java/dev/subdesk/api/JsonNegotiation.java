package dev.subdesk.api;

import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.web.accept.ContentNegotiationStrategy;
import org.springframework.web.accept.HeaderContentNegotiationStrategy;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.servlet.config.annotation.ContentNegotiationConfigurer;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * {@code /api/v1} answers JSON whatever the {@code Accept} header asks: the contract has no {@code 406}, so the
 * header is not consulted there. Elsewhere (the actuator) content negotiation reads the header as usual.
 */
@Configuration(proxyBeanMethods = false)
class JsonNegotiation implements WebMvcConfigurer {

	@Override
	public void configureContentNegotiation(ContentNegotiationConfigurer configurer) {
		configurer.strategies(List.of(JsonNegotiation::apiAnswersJson, new HeaderContentNegotiationStrategy()));
	}

	private static List<MediaType> apiAnswersJson(NativeWebRequest request) {
		HttpServletRequest http = request.getNativeRequest(HttpServletRequest.class);
		return http != null && ApiSecurity.API_V1.matches(http) ? List.of(MediaType.APPLICATION_JSON)
				: ContentNegotiationStrategy.MEDIA_TYPE_ALL_LIST;
	}
}
