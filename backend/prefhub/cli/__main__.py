from prefhub.cli.main import main

main()
