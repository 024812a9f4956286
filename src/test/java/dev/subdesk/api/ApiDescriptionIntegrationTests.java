package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.OpenApiContract;
import dev.subdesk.testing.SubdeskIntegrationTest;
import io.swagger.v3.oas.models.SpecVersion;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.RequestMappingInfoHandlerMapping;
import tools.jackson.databind.JsonNode;

/**
 * shared/API.md, "API description (1.1)": the OpenAPI 3.1 document in the repository is served without the key, is
 * valid OpenAPI 3.1, and has exactly the operations the server maps under {@code /api/v1}, public exactly where
 * the server needs no key. (That the answers match it is {@link ApiDescriptionConformanceIntegrationTests}.)
 */
@SubdeskIntegrationTest
class ApiDescriptionIntegrationTests {

	private static final OpenApiContract CONTRACT = OpenApiContract.get();

	@LocalServerPort
	int port;

	@Autowired
	ApplicationContext context;

	@Test
	void theDocumentIsServedWithoutTheKeyExactlyAsItIsInTheRepository() throws Exception {
		RawHttp.Answer answer = new RawHttp(port).send("GET", "/api/v1/openapi.json", Map.of(), null);
		assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
		assertThat(answer.contentType()).startsWith("application/json");
		String inRepository = Files.readString(Path.of("src/main/resources", OpenApiContract.RESOURCE),
				StandardCharsets.UTF_8);
		assertThat(answer.body()).isEqualTo(inRepository);
		assertThat(Api.parse(answer.body()).path("openapi").asString()).isEqualTo("3.1.0");
	}

	@Test
	void theDocumentIsValidOpenApi31WithEveryReferenceResolved() {
		ParseOptions options = new ParseOptions();
		options.setResolve(true);
		SwaggerParseResult result = new OpenAPIV3Parser().readContents(CONTRACT.text(), null, options);
		assertThat(result.getMessages()).as("what the OpenAPI parser reports").isEmpty();
		assertThat(result.getOpenAPI()).isNotNull();
		assertThat(result.getOpenAPI().getSpecVersion()).isEqualTo(SpecVersion.V31);
		assertThat(result.getOpenAPI().getPaths()).hasSizeGreaterThanOrEqualTo(29);
		// every schema compiles as JSON Schema 2020-12 with its $refs resolved
		SoftAssertions soft = new SoftAssertions();
		CONTRACT.document().path("components").path("schemas").propertyNames().forEach(name -> soft
			.assertThatCode(() -> CONTRACT.compile("/components/schemas/" + name)).as(name).doesNotThrowAnyException());
		soft.assertAll();
	}

	@Test
	void everyHandlerUnderApiV1IsDescribedAndEveryDescribedOperationHasAHandler() {
		Set<String> handlers = new TreeSet<>();
		for (RequestMappingInfoHandlerMapping mapping : context.getBeansOfType(RequestMappingInfoHandlerMapping.class)
			.values()) {
			for (RequestMappingInfo info : mapping.getHandlerMethods().keySet()) {
				Set<RequestMethod> methods = info.getMethodsCondition().getMethods();
				for (String pattern : info.getPatternValues()) {
					if (pattern.startsWith("/api/")) {
						assertThat(methods).as(pattern + " maps every method").isNotEmpty();
						methods.forEach(method -> handlers.add(method.name() + " " + pattern));
					}
				}
			}
		}
		Set<String> described = new TreeSet<>(CONTRACT.operations());
		assertThat(handlers).as("the server's API handlers").hasSizeGreaterThanOrEqualTo(30);
		assertThat(described).as("operations of the document with no handler").isSubsetOf(handlers);
		assertThat(handlers).as("handlers missing from the document").isSubsetOf(described);
	}

	@Test
	void exactlyTheOperationsThatNeedNoKeyAreMarkedPublic() {
		RawHttp http = new RawHttp(port);
		SoftAssertions soft = new SoftAssertions();
		List<String> publicOnes = new ArrayList<>();
		CONTRACT.document().path("paths").properties().forEach(path -> path.getValue().properties().forEach(op -> {
			String method = op.getKey().toUpperCase(Locale.ROOT);
			JsonNode security = op.getValue().path("security");
			boolean markedPublic = security.isArray() && security.isEmpty();
			String concrete = "/api/v1" + path.getKey().replaceAll("\\{[^}]+}", "x1");
			RawHttp.Answer answer = http.send(method, concrete, Map.of(),
					method.equals("GET") || method.equals("DELETE") ? null : "{}");
			String what = method + " " + path.getKey() + " without the key: " + answer;
			if (markedPublic) {
				publicOnes.add(method + " " + path.getKey());
				if (path.getKey().equals("/channels/google/rtdn")) {
					// Pub/Sub's own bearer token is checked there: refused without it, but never for want of the API key
					soft.assertThat(answer.status()).as(what).isEqualTo(401);
					soft.assertThat(answer.body()).as(what).doesNotContain("API key");
				}
				else {
					soft.assertThat(answer.status()).as(what).isNotEqualTo(401);
				}
			}
			else {
				soft.assertThat(answer.status()).as(what).isEqualTo(401);
				soft.assertThat(op.getValue().path("responses").has("401")).as(method + " " + path.getKey() + " declares 401")
					.isTrue();
			}
		}));
		soft.assertAll();
		assertThat(publicOnes).containsExactlyInAnyOrder("GET /receipt-keys", "POST /receipts/verify", "GET /openapi.json",
				"GET /official-channels", "POST /official-channels/check", "GET /entitlement-keys",
				"POST /channels/apple/notifications", "POST /channels/google/rtdn");
		assertThat(CONTRACT.document().path("security").get(0).has("apiKey")).isTrue();
		assertThat(CONTRACT.document().at("/components/securitySchemes/apiKey/scheme").asString()).isEqualTo("bearer");
	}

	@Test
	void everyProblemCodeTheDocumentNamesIsOneOfTheContract() {
		Set<String> codes = new TreeSet<>();
		CONTRACT.document().at("/components/schemas/Problem/properties/code/enum").forEach(c -> codes.add(c.asString()));
		assertThat(codes).contains("VALIDATION_FAILED", "UNAUTHORIZED", "NOT_FOUND", "EMAIL_TAKEN", "ACCOUNT_CLOSED",
				"PAYMENT_DECLINED", "PAYMENT_GATEWAY_UNAVAILABLE", "IDEMPOTENCY_KEY_REUSED", "ALREADY_CANCELLED",
				"CHANNEL_MANAGED", "OFFER_NOT_AVAILABLE", "REFUND_EXCEEDS_CHARGE", "CHARGE_NOT_DISPUTABLE", "NOT_ENTITLED");
		// every code a response narrows to is one the Problem schema allows
		Set<String> narrowed = new TreeSet<>();
		collectCodes(CONTRACT.document(), narrowed);
		assertThat(codes).containsAll(narrowed);
	}

	private static void collectCodes(JsonNode node, Set<String> codes) {
		if (node.isObject()) {
			JsonNode code = node.path("properties").path("code");
			code.path("enum").forEach(c -> codes.add(c.asString()));
			if (code.path("const").isString()) {
				codes.add(code.path("const").asString());
			}
		}
		node.forEach(child -> collectCodes(child, codes));
	}
}
