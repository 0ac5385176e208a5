package dev.ftindex.objectstore;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * Builds the one {@link S3Client} of an S3 store from its settings and the standard AWS
 * configuration: endpoint and path style, region, credentials, timeouts, and the retry strategy,
 * which has the shape of {@link Retry} (exponential backoff with full jitter, bounded attempts
 * and time) and also retries a conditional write that met another one in flight.
 */
final class S3Clients {
    /** The client's backoff: the first retry waits up to this, each later one up to twice as long... */
    static final Duration BASE_DELAY = Duration.ofMillis(100);
    /** ...but never more than this. */
    static final Duration MAX_DELAY = Duration.ofSeconds(20);

    private S3Clients() {}

    static S3Client build(S3Settings settings, Map<String, String> environment, RequestMetrics metrics) {
        Optional<URI> endpoint = settings.effectiveEndpoint(environment);
        S3ClientBuilder builder = S3Client.builder()
                .httpClientBuilder(Apache5HttpClient.builder()
                        .maxConnections(settings.maxConnections())
                        .connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(Duration.ofSeconds(120)))
                .credentialsProvider(credentials(settings))
                .overrideConfiguration(override -> override
                        .apiCallAttemptTimeout(settings.attemptTimeout())
                        .apiCallTimeout(settings.callTimeout())
                        .retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder()
                                .maxAttempts(settings.maxAttempts())
                                .backoffStrategy(BackoffStrategy.exponentialDelay(BASE_DELAY, MAX_DELAY))
                                .throttlingBackoffStrategy(BackoffStrategy.exponentialDelay(BASE_DELAY, MAX_DELAY))
                                .retryOnException(S3Errors::retryableByClient)
                                // The token bucket would stop retrying exactly when a flaky store
                                // needs it; each request keeps its own bounded attempts instead.
                                .circuitBreakerEnabled(false)
                                .build())
                        .addExecutionInterceptor(new Counter(metrics)));
        Optional<String> region = settings.region()
                .or(() -> Optional.ofNullable(environment.get("AWS_REGION")))
                .or(() -> Optional.ofNullable(environment.get("AWS_DEFAULT_REGION")));
        if (endpoint.isPresent()) {
            builder.endpointOverride(endpoint.get())
                    .forcePathStyle(settings.pathStyle().orElse(true))
                    .region(Region.of(region.orElse("us-east-1")));
        } else {
            builder.forcePathStyle(settings.pathStyle().orElse(false));
            Region resolved = region.map(Region::of).orElseGet(() -> {
                try {
                    return DefaultAwsRegionProviderChain.builder()
                            .profileName(settings.profile().orElse(null))
                            .build()
                            .getRegion();
                } catch (SdkException e) {
                    return null;
                }
            });
            if (resolved == null) {
                // No region anywhere: let the client find the bucket's region itself.
                builder.region(Region.US_EAST_1).crossRegionAccessEnabled(true);
            } else {
                builder.region(resolved);
            }
        }
        return builder.build();
    }

    private static AwsCredentialsProvider credentials(S3Settings settings) {
        if (settings.credentials().isPresent()) {
            S3Settings.Credentials c = settings.credentials().get();
            return StaticCredentialsProvider.create(c.sessionToken().isPresent()
                    ? AwsSessionCredentials.create(c.accessKeyId(), c.secretAccessKey(), c.sessionToken().get())
                    : AwsBasicCredentials.create(c.accessKeyId(), c.secretAccessKey()));
        }
        return DefaultCredentialsProvider.builder().profileName(settings.profile().orElse(null)).build();
    }

    /** Counts every HTTP request by operation, every retry, and throttling answers. */
    private static final class Counter implements ExecutionInterceptor {
        private static final ExecutionAttribute<AtomicInteger> ATTEMPTS = new ExecutionAttribute<>("ftindex.attempts");
        private final RequestMetrics metrics;

        Counter(RequestMetrics metrics) {
            this.metrics = metrics;
        }

        @Override
        public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            attributes.putAttribute(ATTEMPTS, new AtomicInteger());
        }

        @Override
        public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
            metrics.request(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME));
            context.httpRequest().firstMatchingHeader("Content-Length")
                    .ifPresent(length -> metrics.bytes(0, Long.parseLong(length)));
            AtomicInteger attempts = attributes.getAttribute(ATTEMPTS);
            if (attempts != null && attempts.incrementAndGet() > 1) {
                metrics.retry();
            }
        }

        @Override
        public void afterTransmission(Context.AfterTransmission context, ExecutionAttributes attributes) {
            int status = context.httpResponse().statusCode();
            metrics.status(status);
            // Only GetObject answers carry object bytes (a HEAD's Content-Length has no body).
            if (status / 100 == 2 && "GetObject".equals(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME))) {
                context.httpResponse().firstMatchingHeader("Content-Length")
                        .ifPresent(length -> metrics.bytes(Long.parseLong(length), 0));
            }
        }
    }
}
