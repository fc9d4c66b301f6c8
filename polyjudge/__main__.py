from polyjudge.cli import main

main()
