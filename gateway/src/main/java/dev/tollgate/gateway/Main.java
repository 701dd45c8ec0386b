package dev.tollgate.gateway;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The {@code tollgate} command line: {@code serve}, {@code check-config} and {@code mock-upstream}.
 *
 * <pre>
 * java -jar gateway/target/tollgate.jar serve [--config FILE] [--port N]
 * java -jar gateway/target/tollgate.jar check-config FILE
 * java -jar gateway/target/tollgate.jar mock-upstream --port N [--token-delay 50ms]
 * </pre>
 */
@Command(name = "tollgate", mixinStandardHelpOptions = true, version = "tollgate 0.1.0-SNAPSHOT",
        description = "Per-user AI spend budgets for LLM calls: an OpenAI- and Anthropic-compatible gateway.",
        subcommands = {Main.Serve.class, Main.CheckConfig.class, Main.Mock.class})
public final class Main implements Callable<Integer> {

    /** Runs the command line and exits with its status. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit status (tests call this). */
    public static int run(String... args) {
        return new CommandLine(new Main()).execute(args);
    }

    @Override
    public Integer call() {
        CommandLine.usage(this, System.out);
        return 0;
    }

    /** {@code tollgate serve}. */
    @Command(name = "serve", mixinStandardHelpOptions = true,
            description = "Start the gateway. Without --config it runs the bundled sample configuration: the memory "
                    + "store, the built-in mock upstream, free and pro plans, and sample keys.")
    static final class Serve implements Callable<Integer> {
        @Option(names = "--config", paramLabel = "FILE", description = "the YAML configuration (default: the bundled sample)")
        Path config;

        @Option(names = "--port", paramLabel = "N", description = "listen on this port instead of server.port")
        Integer port;

        @Override
        public Integer call() throws InterruptedException {
            Config c;
            try {
                c = config == null ? Config.sample(System.getenv()) : Config.load(config);
            } catch (ConfigException e) {
                System.err.println("tollgate: " + e.getMessage());
                return 2;
            }
            if (config == null) {
                System.err.println("tollgate: no --config given; running the bundled sample configuration "
                        + "(free key: tg-free-alice-0001, pro key: tg-pro-bob-0001). Print it with: tollgate serve --print-sample");
            }
            if (port != null) {
                c = c.withPort(port);
            }
            Gateway gateway = Gateway.start(c);
            Runtime.getRuntime().addShutdownHook(new Thread(gateway::close, "tollgate-shutdown"));
            gateway.join();
            return 0;
        }

        @Option(names = "--print-sample", description = "print the bundled sample configuration and exit")
        void printSample(boolean print) {
            System.out.print(Config.sampleText());
            System.exit(0);
        }
    }

    /** {@code tollgate check-config FILE}. */
    @Command(name = "check-config", mixinStandardHelpOptions = true,
            description = "Validate a configuration file; errors name the field and the line.")
    static final class CheckConfig implements Callable<Integer> {
        @Parameters(paramLabel = "FILE", description = "the YAML configuration")
        Path file;

        @Override
        public Integer call() {
            if (!Files.isRegularFile(file)) {
                System.err.println("tollgate: " + file + ": no such file");
                return 2;
            }
            try {
                Config c = Config.load(file);
                System.out.println(file + ": OK (" + c.policy().plans().size() + " plans: "
                        + String.join(", ", c.policy().plans().keySet()) + "; " + c.keys().size() + " keys; "
                        + c.serviceKeyHashes().size() + " service keys; store " + c.store().type()
                        + "; openai " + (c.openai().mocked() ? "mocked" : "key set")
                        + ", anthropic " + (c.anthropic().mocked() ? "mocked" : "key set") + ")");
                return 0;
            } catch (ConfigException e) {
                System.err.println("tollgate: " + e.getMessage());
                return 1;
            }
        }
    }

    /** {@code tollgate mock-upstream --port N}. */
    @Command(name = "mock-upstream", mixinStandardHelpOptions = true,
            description = "Run the built-in mock of the OpenAI and Anthropic APIs on its own.")
    static final class Mock implements Callable<Integer> {
        @Option(names = "--port", paramLabel = "N", defaultValue = "9090", description = "port (default ${DEFAULT-VALUE})")
        int port;

        @Option(names = "--host", defaultValue = "127.0.0.1", description = "address (default ${DEFAULT-VALUE})")
        String host;

        @Option(names = "--output-tokens", defaultValue = "300", description = "output tokens per answer (default ${DEFAULT-VALUE})")
        long outputTokens;

        @Option(names = "--cached-tokens", defaultValue = "0", description = "input tokens reported as cached (default ${DEFAULT-VALUE})")
        long cachedTokens;

        @Option(names = "--token-delay", defaultValue = "0ms", description = "pause between streamed tokens, like 50ms (default ${DEFAULT-VALUE})")
        String tokenDelay;

        @Override
        public Integer call() throws InterruptedException {
            Duration delay;
            try {
                delay = dev.tollgate.policy.Durations.parse(tokenDelay);
            } catch (IllegalArgumentException e) {
                System.err.println("tollgate: --token-delay: " + e.getMessage());
                return 2;
            }
            MockUpstream mock = MockUpstream.start(host, port,
                    new Config.MockConfig(outputTokens, cachedTokens, Config.MockConfig.DEFAULTS.reasoningTokens(), delay));
            System.err.println("mock upstream listening: OpenAI base URL " + mock.openAiBaseUrl().replace("127.0.0.1", host)
                    + ", Anthropic base URL " + mock.anthropicBaseUrl().replace("127.0.0.1", host));
            CountDownLatch forever = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(mock::close, "mock-shutdown"));
            forever.await();
            return 0;
        }
    }
}
