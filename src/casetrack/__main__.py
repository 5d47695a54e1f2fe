from casetrack.cli.main import main

main()
